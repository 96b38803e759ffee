// wrangler's [[rules]] bundles .sql files as text (the Tenant object's drizzle migrations).
declare module "*.sql" {
  const text: string;
  export default text;
}

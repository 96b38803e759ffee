import journal from './meta/_journal.json';
import m0000 from './0000_init.sql';
import m0001 from './0001_health_model.sql';
import m0002 from './0002_fact_tables.sql';
import m0003 from './0003_onboarding_training.sql';
import m0004 from './0004_support.sql';
import m0005 from './0005_revenue_feedback.sql';
import m0006 from './0006_communication.sql';
import m0007 from './0007_accounts_summary_index.sql';
import m0008 from './0008_integrations.sql';
import m0009 from './0009_mixpanel.sql';
import m0010 from './0010_sendgrid.sql';
import m0011 from './0011_contacts_email_index.sql';
import m0012 from './0012_catalog_gaps.sql';
import m0013 from './0013_accounts_tier_name_index.sql';
import m0014 from './0014_movers_baseline.sql';
import m0015 from './0015_surveys.sql';
import m0016 from './0016_recompute_read_index.sql';

  export default {
    journal,
    migrations: {
      m0000,
m0001,
m0002,
m0003,
m0004,
m0005,
m0006,
m0007,
m0008,
m0009,
m0010,
m0011,
m0012,
m0013,
m0014,
m0015,
m0016
    }
  }
  
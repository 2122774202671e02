-- Up Migration
-- The record store: engagements (current state plus the columns reports filter on), every entry
-- of their history (keyed by voucher and position, so a repeated write inserts nothing), and partners.

CREATE TABLE engagements (
  voucher_id            text PRIMARY KEY,
  status                text NOT NULL,
  offering              text NOT NULL,
  engagement_type       text NOT NULL,
  days                  integer NOT NULL,
  partner_id            text,
  agreement_number      text NOT NULL,
  customer_country      text NOT NULL,
  assigned_at           timestamptz NOT NULL,
  voucher_expires_at    timestamptz NOT NULL,
  redeemed_at           timestamptz,
  days_outcome          text,
  invoice_reference     text,
  invoice_status        text,
  invoice_amount        numeric(14, 2),
  invoice_currency      text,
  invoice_submitted_at  timestamptz,
  invoice_paid_at       timestamptz,
  closed                boolean NOT NULL,
  -- How far the written state had got: a write never replaces a state that had got further.
  history_length        integer NOT NULL,
  notification_count    integer NOT NULL,
  state                 jsonb NOT NULL,
  first_recorded_at     timestamptz NOT NULL DEFAULT now(),
  last_recorded_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX engagements_partner ON engagements (partner_id, voucher_id);
CREATE INDEX engagements_agreement ON engagements (agreement_number);
CREATE INDEX engagements_expiry ON engagements (voucher_expires_at) WHERE NOT closed;
CREATE INDEX engagements_invoice_submitted ON engagements (invoice_submitted_at) WHERE invoice_reference IS NOT NULL;

CREATE TABLE engagement_history (
  voucher_id  text NOT NULL REFERENCES engagements (voucher_id),
  seq         integer NOT NULL,
  at          timestamptz NOT NULL,
  actor       text NOT NULL,
  event       text NOT NULL,
  accepted    boolean NOT NULL,
  via         text,
  detail      text,
  refusals    jsonb,
  PRIMARY KEY (voucher_id, seq)
);

CREATE TABLE partners (
  partner_id        text PRIMARY KEY,
  name              text NOT NULL,
  profile           jsonb NOT NULL,
  state             jsonb NOT NULL,
  updated_at        timestamptz NOT NULL,
  last_recorded_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE partner_enrollments (
  partner_id   text NOT NULL REFERENCES partners (partner_id),
  offering     text NOT NULL,
  status       text NOT NULL,
  accepted_at  timestamptz NOT NULL,
  valid_until  timestamptz NOT NULL,
  renewals     jsonb NOT NULL,
  PRIMARY KEY (partner_id, offering)
);

-- Down Migration
DROP TABLE partner_enrollments;
DROP TABLE partners;
DROP TABLE engagement_history;
DROP TABLE engagements;

// All activities, built from their dependencies. The worker registers what this returns.
import type { Client } from '@temporalio/client';
import type { Config } from '../config/env';
import type { RateCard } from '../domain/schemas';
import type { EngagementActivities, PartnerActivities, RecordActivities } from './types';
import { createEligibilityActivities } from './eligibility';
import { createSavbActivities } from './savb';
import { createNotificationActivities } from './notify';
import { createRecordActivities } from './records';
import type { RecordDb } from '../records/pool';

export interface ActivityDeps {
  client: Client;
  config: Pick<Config, 'SAVB_URL' | 'SAVB_TIMEOUT_MS' | 'NOTIFY_WEBHOOK_URL' | 'NOTIFY_WEBHOOK_SECRET'>;
  rateCard: RateCard;
  /** The record store (records/). */
  records: RecordDb;
}

export function createActivities(deps: ActivityDeps): EngagementActivities & PartnerActivities & RecordActivities {
  const notifications = createNotificationActivities({
    webhookUrl: deps.config.NOTIFY_WEBHOOK_URL,
    webhookSecret: deps.config.NOTIFY_WEBHOOK_SECRET,
  });
  return {
    ...createEligibilityActivities({ client: deps.client, rateCard: deps.rateCard, records: deps.records }),
    ...createSavbActivities({
      savbUrl: deps.config.SAVB_URL,
      timeoutMs: deps.config.SAVB_TIMEOUT_MS,
      rateCard: deps.rateCard,
    }),
    ...notifications,
    ...createRecordActivities({ records: deps.records, notify: notifications.notify }),
  };
}

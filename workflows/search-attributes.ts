// Search attributes operators filter on (no personal data in them). The dev server registers them
// at start (see SEARCH_ATTRIBUTE_TYPES); the workflow keeps them current.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA = {
  VoucherId: defineSearchAttributeKey('VoucherId', SearchAttributeType.KEYWORD),
  PartnerId: defineSearchAttributeKey('PartnerId', SearchAttributeType.KEYWORD),
  Offering: defineSearchAttributeKey('Offering', SearchAttributeType.KEYWORD),
  EngagementType: defineSearchAttributeKey('EngagementType', SearchAttributeType.KEYWORD),
  EngagementStatus: defineSearchAttributeKey('EngagementStatus', SearchAttributeType.KEYWORD),
  CustomerCountry: defineSearchAttributeKey('CustomerCountry', SearchAttributeType.KEYWORD),
  CustomerAgreement: defineSearchAttributeKey('CustomerAgreement', SearchAttributeType.KEYWORD),
  EngagementDays: defineSearchAttributeKey('EngagementDays', SearchAttributeType.INT),
  VoucherExpiresAt: defineSearchAttributeKey('VoucherExpiresAt', SearchAttributeType.DATETIME),
} as const;

/** Name → type, in the form `temporal server start-dev --search-attribute Name=Type` and createLocal() take. */
export const SEARCH_ATTRIBUTE_TYPES: Record<keyof typeof SA, 'Keyword' | 'Int' | 'Datetime'> = {
  VoucherId: 'Keyword',
  PartnerId: 'Keyword',
  Offering: 'Keyword',
  EngagementType: 'Keyword',
  EngagementStatus: 'Keyword',
  CustomerCountry: 'Keyword',
  CustomerAgreement: 'Keyword',
  EngagementDays: 'Int',
  VoucherExpiresAt: 'Datetime',
};

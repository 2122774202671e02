// Search attributes operators filter on (no personal data in them). The dev server registers them
// at start (see SEARCH_ATTRIBUTE_TYPES); the workflow keeps them current.
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { EngagementState } from '../domain/engagement';

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

/**
 * An engagement's search attributes, from its state: what the API sets at start and the workflow
 * upserts as the engagement moves (the order is part of the recorded histories).
 */
export function engagementSearchAttributes(
  state: Pick<
    EngagementState,
    'voucherId' | 'offering' | 'engagementType' | 'status' | 'customer' | 'days' | 'deadlines' | 'partnerId'
  >,
): SearchAttributePair[] {
  return [
    { key: SA.VoucherId, value: state.voucherId },
    { key: SA.Offering, value: state.offering },
    { key: SA.EngagementType, value: state.engagementType },
    { key: SA.EngagementStatus, value: state.status },
    { key: SA.CustomerCountry, value: state.customer.country },
    { key: SA.CustomerAgreement, value: state.customer.agreementNumber },
    { key: SA.EngagementDays, value: state.days },
    { key: SA.VoucherExpiresAt, value: new Date(state.deadlines.voucherExpiresAt) },
    ...(state.partnerId ? [{ key: SA.PartnerId, value: state.partnerId }] : []),
  ];
}

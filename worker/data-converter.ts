// The data converter every Temporal client and worker of the product uses: the payload codec when
// PAYLOAD_KEYS is configured, else the SDK's default (plain JSON payloads).
import type { DataConverter } from '@temporalio/common';
import type { Config } from '../config/env';
import { AesGcmPayloadCodec, parsePayloadKeys } from './payload-codec';

export function dataConverterOf(
  config: Partial<Pick<Config, 'PAYLOAD_KEYS' | 'PAYLOAD_KEY_ID'>>,
): DataConverter | undefined {
  if (!config.PAYLOAD_KEYS) return undefined;
  return { payloadCodecs: [new AesGcmPayloadCodec(parsePayloadKeys(config.PAYLOAD_KEYS, config.PAYLOAD_KEY_ID))] };
}

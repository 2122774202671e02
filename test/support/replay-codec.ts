// The payload key the committed encrypted histories (test/histories/*-codec-*.json) were recorded
// with, so the replay test can decode them. Test data only: never a key of a real deployment.
import type { DataConverter } from '@temporalio/common';
import { dataConverterOf } from '../../worker/data-converter';

export const REPLAY_PAYLOAD_KEYS = 'replay-test-1=lzmqN5/e7xSA+7GwzUAy4H1cjRNvykRqtOxGMbGNK4I=';

export const replayDataConverter = (): DataConverter => dataConverterOf({ PAYLOAD_KEYS: REPLAY_PAYLOAD_KEYS })!;

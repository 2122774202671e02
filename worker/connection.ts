// Connections to Temporal from configuration: address, namespace and optional mTLS.
import { readFileSync } from 'node:fs';
import { Client, Connection, ConnectionOptions } from '@temporalio/client';
import { NativeConnection, NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from '../config/env';
import { dataConverterOf } from './data-converter';

type TemporalConfig = Pick<
  Config,
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_NAMESPACE'
  | 'TEMPORAL_TLS_CERT_PATH'
  | 'TEMPORAL_TLS_KEY_PATH'
  | 'TEMPORAL_TLS_CA_PATH'
  | 'TEMPORAL_TLS_SERVER_NAME'
> &
  Partial<Pick<Config, 'PAYLOAD_KEYS' | 'PAYLOAD_KEY_ID'>>;

function tlsOptions(config: TemporalConfig): ConnectionOptions['tls'] {
  if (!config.TEMPORAL_TLS_CERT_PATH && !config.TEMPORAL_TLS_CA_PATH) return undefined;
  return {
    serverNameOverride: config.TEMPORAL_TLS_SERVER_NAME,
    serverRootCACertificate: config.TEMPORAL_TLS_CA_PATH ? readFileSync(config.TEMPORAL_TLS_CA_PATH) : undefined,
    clientCertPair:
      config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH
        ? { crt: readFileSync(config.TEMPORAL_TLS_CERT_PATH), key: readFileSync(config.TEMPORAL_TLS_KEY_PATH) }
        : undefined,
  };
}

export async function connectClient(config: TemporalConfig): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS, tls: tlsOptions(config) });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: dataConverterOf(config) });
}

export async function connectWorker(config: TemporalConfig): Promise<NativeConnection> {
  const options: NativeConnectionOptions = { address: config.TEMPORAL_ADDRESS, tls: tlsOptions(config) };
  return NativeConnection.connect(options);
}

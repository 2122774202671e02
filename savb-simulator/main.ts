// The SAVB simulator as a process (`npm run savb-sim`): listens on SAVB_SIM_PORT, keeps its records in
// SAVB_SIM_DATA_FILE when set, logs JSON lines (pino) and stops cleanly on SIGINT/SIGTERM.
// Optional: SAVB_SIM_APPROVE_AFTER_MS, SAVB_SIM_PAY_AFTER_MS (how fast requests are approved and
// paid). SAVB_SIM_HOST is the listen address (127.0.0.1 unless configured; a container sets 0.0.0.0);
// /_admin needs `Authorization: Bearer <SAVB_SIM_ADMIN_TOKEN>` and is closed without that token.
import pino from 'pino';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../config/env';
import { DEFAULT_APPROVE_AFTER_MS, DEFAULT_PAY_AFTER_MS, startSavbSimulator } from './server';

const SimulatorEnv = z.object({
  SAVB_SIM_APPROVE_AFTER_MS: z.coerce.number().int().min(0).default(DEFAULT_APPROVE_AFTER_MS),
  SAVB_SIM_PAY_AFTER_MS: z.coerce.number().int().min(0).default(DEFAULT_PAY_AFTER_MS),
});

async function main(): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  let simulatorEnv: z.infer<typeof SimulatorEnv>;
  try {
    config = loadConfig();
    // Empty strings count as unset, as in loadConfig.
    const parsed = SimulatorEnv.safeParse(
      Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== '')),
    );
    if (!parsed.success) {
      throw new ConfigError(
        `Invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`,
      );
    }
    simulatorEnv = parsed.data;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }

  const log = pino({
    level: config.LOG_LEVEL,
    base: { service: 'savb-simulator', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: pino.stdSerializers.err },
  });

  const simulator = await startSavbSimulator({
    port: config.SAVB_SIM_PORT,
    host: config.SAVB_SIM_HOST,
    adminToken: config.SAVB_SIM_ADMIN_TOKEN ?? null,
    dataFile: config.SAVB_SIM_DATA_FILE,
    approveAfterMs: simulatorEnv.SAVB_SIM_APPROVE_AFTER_MS,
    payAfterMs: simulatorEnv.SAVB_SIM_PAY_AFTER_MS,
    logger: log,
  }).catch((err: unknown) => {
    log.fatal({ err }, `cannot start the SAVB simulator: ${(err as Error).message}`);
    return undefined;
  });
  if (!simulator) return 1;

  log.info(
    {
      url: simulator.url,
      host: config.SAVB_SIM_HOST,
      port: simulator.port,
      dataFile: config.SAVB_SIM_DATA_FILE ?? null,
      approveAfterMs: simulatorEnv.SAVB_SIM_APPROVE_AFTER_MS,
      payAfterMs: simulatorEnv.SAVB_SIM_PAY_AFTER_MS,
    },
    `SAVB simulator listening on ${config.SAVB_SIM_HOST}:${simulator.port}${config.SAVB_SIM_DATA_FILE ? `, records in ${config.SAVB_SIM_DATA_FILE}` : ', records in memory only'}`,
  );

  return new Promise<number>((resolve) => {
    let stopping = false;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        if (stopping) {
          log.warn({ signal }, 'second signal, exiting now');
          process.exit(1);
        }
        stopping = true;
        log.info({ signal }, 'stopping the SAVB simulator');
        simulator.close().then(
          () => {
            log.info('SAVB simulator stopped');
            resolve(0);
          },
          (err: unknown) => {
            log.error({ err }, 'error while stopping the SAVB simulator');
            resolve(1);
          },
        );
      });
    }
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);

// The SAVB simulator as a process (`npm run savb-sim`): listens on SAVB_SIM_PORT, keeps its records in
// SAVB_SIM_DATA_FILE when set, logs JSON lines (pino) and stops cleanly on SIGINT/SIGTERM.
// Optional: SAVB_SIM_APPROVE_AFTER_MS, SAVB_SIM_PAY_AFTER_MS (how fast requests are approved and
// paid) and SAVB_SIM_HOST (listen address, default 0.0.0.0 so it is reachable in a container).
import pino from 'pino';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../config/env';
import { DEFAULT_APPROVE_AFTER_MS, DEFAULT_PAY_AFTER_MS, startSavbSimulator } from './server';

const SimulatorEnv = z.object({
  SAVB_SIM_APPROVE_AFTER_MS: z.coerce.number().int().min(0).default(DEFAULT_APPROVE_AFTER_MS),
  SAVB_SIM_PAY_AFTER_MS: z.coerce.number().int().min(0).default(DEFAULT_PAY_AFTER_MS),
  SAVB_SIM_HOST: z.string().min(1).default('0.0.0.0'),
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
    host: simulatorEnv.SAVB_SIM_HOST,
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
      host: simulatorEnv.SAVB_SIM_HOST,
      port: simulator.port,
      dataFile: config.SAVB_SIM_DATA_FILE ?? null,
      approveAfterMs: simulatorEnv.SAVB_SIM_APPROVE_AFTER_MS,
      payAfterMs: simulatorEnv.SAVB_SIM_PAY_AFTER_MS,
    },
    `SAVB simulator listening on ${simulatorEnv.SAVB_SIM_HOST}:${simulator.port}${config.SAVB_SIM_DATA_FILE ? `, records in ${config.SAVB_SIM_DATA_FILE}` : ', records in memory only'}`,
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

// Configuration: environment variables validated at start-up with a clear message, and the rate card.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, checkCatalog, loadConfig, loadRateCard } from '../config/env';

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('loadConfig', () => {
  it('runs on embedded defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      TEMPORAL_ADDRESS: 'localhost:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'planning-services',
      PORT: 3000,
      API_TOKENS: '',
      SAVB_URL: 'http://localhost:4010',
      SAVB_TIMEOUT_MS: 10_000,
      SAVB_POLL_INTERVAL: '1 hour',
      SAVB_REGISTRATION_RETRY_INTERVAL: '1 day',
      SAVB_SIM_PORT: 4010,
      WORKER_METRICS_PORT: 9464,
      LOG_LEVEL: 'info',
    });
    expect(config.NOTIFY_WEBHOOK_URL).toBeUndefined();
    expect(config.TEMPORAL_TLS_CERT_PATH).toBeUndefined();
    expect(config.RATE_CARD_PATH).toMatch(/config[\\/]rate-card\.sample\.json$/);
    expect(existsSync(config.RATE_CARD_PATH)).toBe(true);
  });

  it('reads and coerces the variables it is given', () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'planning',
      PORT: '8080',
      SAVB_URL: 'https://savb.example/api',
      SAVB_POLL_INTERVAL: '30s',
      SAVB_REGISTRATION_RETRY_INTERVAL: '1 day',
      LOG_LEVEL: 'debug',
      API_TOKENS: 'abc=backoffice',
    });
    expect(config).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'planning',
      PORT: 8080,
      SAVB_URL: 'https://savb.example/api',
      SAVB_POLL_INTERVAL: '30s',
      LOG_LEVEL: 'debug',
      API_TOKENS: 'abc=backoffice',
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', SAVB_URL: '', NOTIFY_WEBHOOK_URL: '' })).toMatchObject({
      PORT: 3000,
      SAVB_URL: 'http://localhost:4010',
    });
  });

  it('ignores unrelated environment variables', () => {
    expect(loadConfig({ PATH: '/usr/bin', HOME: '/root' })).not.toHaveProperty('PATH');
  });

  it('refuses bad values with one clear message naming each bad variable', () => {
    const err = errorOf(() =>
      loadConfig({
        PORT: 'eighty',
        SAVB_URL: 'not a url',
        SAVB_POLL_INTERVAL: 'soon',
        LOG_LEVEL: 'loud',
        WORKER_METRICS_PORT: '70000',
        SAVB_TIMEOUT_MS: '-5',
      }),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/^Invalid configuration:/);
    const lines = err.message.split('\n').slice(1);
    for (const name of [
      'PORT',
      'SAVB_URL',
      'SAVB_POLL_INTERVAL',
      'LOG_LEVEL',
      'WORKER_METRICS_PORT',
      'SAVB_TIMEOUT_MS',
    ]) {
      expect(lines.some((l) => l.trim().startsWith(`${name}:`))).toBe(true);
    }
    expect(err.message).toContain('a duration such as');
    // Good variables are not blamed.
    expect(err.message).not.toContain('TEMPORAL_ADDRESS');
  });

  it.each(['0', '65536', '3000.5'])('refuses PORT=%s', (port) => {
    expect(() => loadConfig({ PORT: port })).toThrow(/PORT:/);
  });

  it.each(['30s', '5m', '1 day', '2 hours', '1500ms', '1s', '1.5h'])('accepts the duration %j', (d) => {
    expect(loadConfig({ SAVB_POLL_INTERVAL: d }).SAVB_POLL_INTERVAL).toBe(d);
  });

  it.each([
    ['SAVB_POLL_INTERVAL', '500ms'],
    ['SAVB_REGISTRATION_RETRY_INTERVAL', '0s'],
    ['SAVB_REGISTRATION_RETRY_INTERVAL', '0.5 seconds'],
  ])('refuses %s=%j: SAVB intervals are at least 1 s', (name, value) => {
    const err = errorOf(() => loadConfig({ [name]: value }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(`${name}: at least 1 s`);
  });

  it('refuses a webhook URL without a secret, since webhooks are signed', () => {
    const err = errorOf(() => loadConfig({ NOTIFY_WEBHOOK_URL: 'https://hooks.example/notify' }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('NOTIFY_WEBHOOK_SECRET');
    expect(err.message).toContain('NOTIFY_WEBHOOK_URL');
  });

  it('refuses a webhook secret that is too short', () => {
    expect(() =>
      loadConfig({ NOTIFY_WEBHOOK_URL: 'https://hooks.example/notify', NOTIFY_WEBHOOK_SECRET: 'short' }),
    ).toThrow(/NOTIFY_WEBHOOK_SECRET:/);
  });

  it('accepts a webhook URL with a secret', () => {
    const config = loadConfig({
      NOTIFY_WEBHOOK_URL: 'https://hooks.example/notify',
      NOTIFY_WEBHOOK_SECRET: 's'.repeat(32),
    });
    expect(config.NOTIFY_WEBHOOK_URL).toBe('https://hooks.example/notify');
    expect(config.NOTIFY_WEBHOOK_SECRET).toBe('s'.repeat(32));
  });

  it('refuses a webhook URL that is not a URL', () => {
    expect(() => loadConfig({ NOTIFY_WEBHOOK_URL: 'hooks', NOTIFY_WEBHOOK_SECRET: 's'.repeat(32) })).toThrow(
      /NOTIFY_WEBHOOK_URL:/,
    );
  });
});

describe('loadRateCard', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rate-card-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('loads the sample card, marked as sample data', () => {
    const card = loadRateCard(loadConfig({}).RATE_CARD_PATH);
    expect(card.sample).toBe(true);
    expect(card.rates.US).toEqual({ currency: 'USD', dailyRate: 1000 });
    expect(Object.keys(card.rates).length).toBeGreaterThan(5);
    for (const country of Object.keys(card.rates)) expect(country).toMatch(/^[A-Z]{2}$/);
  });

  it('loads a card of the operator', () => {
    const path = write('ok.json', JSON.stringify({ rates: { FR: { currency: 'EUR', dailyRate: 990.5 } } }));
    expect(loadRateCard(path)).toEqual({ rates: { FR: { currency: 'EUR', dailyRate: 990.5 } } });
  });

  it('refuses a file that is not JSON, naming the file', () => {
    const path = write('broken.json', '{ "rates": { "US": ');
    const err = errorOf(() => loadRateCard(path));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('Cannot read the rate card');
    expect(err.message).toContain(path);
  });

  it('refuses a missing file', () => {
    const path = join(dir, 'missing.json');
    const err = errorOf(() => loadRateCard(path));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(path);
  });

  it('refuses bad rates, naming each offending entry', () => {
    const path = write(
      'bad.json',
      JSON.stringify({
        rates: {
          US: { currency: 'USD', dailyRate: -1 },
          DE: { currency: 'euro', dailyRate: 950 },
          usa: { currency: 'USD', dailyRate: 1 },
        },
      }),
    );
    const err = errorOf(() => loadRateCard(path));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/^Invalid rate card /);
    expect(err.message).toContain('rates.US.dailyRate');
    expect(err.message).toContain('rates.DE.currency');
    expect(err.message).toContain('usa');
  });

  it('refuses a card without rates', () => {
    expect(() => loadRateCard(write('empty.json', '{}'))).toThrow(/Invalid rate card .*rates/);
  });
});

describe('checkCatalog (run by the worker and the API at start-up)', () => {
  it('accepts the shipped config/catalog.json', () => {
    expect(() => checkCatalog()).not.toThrow();
  });

  it('stops the process with a ConfigError that names the file and each problem', () => {
    const err = errorOf(() => checkCatalog({ offerings: [{ code: 'x', name: 'X', engagementTypes: [] }] }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/^config\/catalog\.json: Invalid catalog: /);
    expect(err.message).toContain('offerings.0.code');
    expect(err.message).toContain('offerings.0.engagementTypes');
  });
});

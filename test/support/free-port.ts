// Free TCP ports for test servers, never the same port twice in one test process.
import { createServer } from 'node:net';

// The OS may hand a just-closed port out again at once; a stack that asks for
// six ports in a row must get six different ones.
const issued = new Set<number>();

function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await ephemeralPort();
    if (!issued.has(port)) {
      issued.add(port);
      return port;
    }
  }
}

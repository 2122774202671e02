// The worker's V8 heap limit, passed by every launcher: package.json (`npm run worker`), the
// Dockerfile and docker-compose.yml, `npm start` and the benchmark (test/compose.test.ts checks that
// they agree). Without it Node sizes the heap from the machine's memory (4 GB here), and the garbage
// of created and evicted workflow contexts piles up before the collector works hard: 10,000 open
// engagements took the worker to 1.5 GB RSS with 200 cached; with 512 MB it stays under 1 GB
// (BENCHMARKS.md). The workflow cache (worker/worker.ts) fits in it with room to spare.
export const WORKER_MAX_OLD_SPACE_MB = 512;
export const WORKER_NODE_ARGS: readonly string[] = [`--max-old-space-size=${WORKER_MAX_OLD_SPACE_MB}`];

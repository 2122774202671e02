// The commit a benchmark measured, for its JSON line: with "+changes" when the working tree differs.
import { execFileSync } from 'node:child_process';

export const CODE_VERSION = (() => {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: __dirname, encoding: 'utf8' }).trim();
  try {
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? '+changes' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
})();

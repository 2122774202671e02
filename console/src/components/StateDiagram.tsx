// The engagement's state diagram, drawn from the domain's transition table: every status and
// transition, the current status highlighted, the path taken marked. A list repeats it in text.
import type { ReactNode } from 'react';
import { MAIN_LINE, STATUSES, TRANSITIONS, isTerminal } from '../../../domain/transitions';
import type { EngagementStatus } from '../api/client';

const NODE_W = 230;
const NODE_H = 34;
const ROW = 58;
const SIDE_X = 330;

/** Main line in one column; the statuses off it beside the step they branch from. */
const POSITION: Record<EngagementStatus, { x: number; y: number }> = Object.fromEntries(
  STATUSES.map((status) => {
    const row = MAIN_LINE.indexOf(status);
    if (row >= 0) return [status, { x: 10, y: 10 + row * ROW }];
    const side: Partial<Record<EngagementStatus, number>> = {
      CANCELLED: 1.2,
      EXPIRED: 2.8,
      INVOICE_DENIED: 5.4,
      INVOICE_WINDOW_MISSED: 7,
    };
    return [status, { x: SIDE_X, y: 10 + (side[status] ?? 0) * ROW }];
  }),
) as Record<EngagementStatus, { x: number; y: number }>;

function edgePoints(from: EngagementStatus, to: EngagementStatus) {
  const a = POSITION[from];
  const b = POSITION[to];
  const ax = a.x + NODE_W / 2;
  const ay = a.y + NODE_H / 2;
  const bx = b.x + NODE_W / 2;
  const by = b.y + NODE_H / 2;
  if (a.x === b.x) {
    // Same column: down the left side for forward steps, a curve on the right for a step back.
    const down = b.y > a.y;
    if (down && b.y - a.y === ROW) return `M${ax},${a.y + NODE_H} L${bx},${b.y}`;
    const x = a.x + (down ? -8 : NODE_W + 8);
    return `M${down ? a.x : a.x + NODE_W},${ay} C${x - (down ? 20 : -20)},${ay} ${x - (down ? 20 : -20)},${by} ${down ? b.x : b.x + NODE_W},${by}`;
  }
  return `M${a.x + NODE_W},${ay} L${b.x},${by}`;
}

export function StateDiagram({ current, path }: { current: EngagementStatus; path: EngagementStatus[] }): ReactNode {
  const pairs = [...new Map(TRANSITIONS.filter((t) => t.from !== t.to).map((t) => [`${t.from}>${t.to}`, t])).values()];
  const taken = new Set(path.slice(1).map((to, i) => `${path[i]}>${to}`));
  const visited = new Set(path);
  const height = 10 + MAIN_LINE.length * ROW;
  return (
    <figure className="diagram">
      <svg
        viewBox={`-40 0 ${SIDE_X + NODE_W + 50} ${height}`}
        role="img"
        aria-labelledby="diagram-title"
        data-testid="state-diagram"
      >
        <title id="diagram-title">{`State diagram: currently ${current}; path taken ${path.join(' → ')}`}</title>
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="9"
            markerHeight="9"
            markerUnits="userSpaceOnUse"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" className="arrow-head" />
          </marker>
          <marker
            id="arrow-taken"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="9"
            markerHeight="9"
            markerUnits="userSpaceOnUse"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" className="arrow-head-taken" />
          </marker>
        </defs>
        {pairs.map((t) => {
          const key = `${t.from}>${t.to}`;
          const isTaken = taken.has(key);
          return (
            <path
              key={key}
              d={edgePoints(t.from, t.to)}
              className={isTaken ? 'edge edge-taken' : 'edge'}
              markerEnd={isTaken ? 'url(#arrow-taken)' : 'url(#arrow)'}
              data-edge={key}
            />
          );
        })}
        {STATUSES.map((status) => {
          const p = POSITION[status];
          const cls = [
            'node',
            status === current ? 'node-current' : visited.has(status) ? 'node-visited' : '',
            isTerminal(status) ? 'node-terminal' : '',
          ].join(' ');
          return (
            <g key={status} className={cls} data-status={status} aria-current={status === current ? 'step' : undefined}>
              <rect x={p.x} y={p.y} width={NODE_W} height={NODE_H} rx={isTerminal(status) ? 17 : 5} />
              <text x={p.x + NODE_W / 2} y={p.y + NODE_H / 2 + 5} textAnchor="middle">
                {status}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <strong>Current: {current}.</strong> Path taken: {path.join(' → ')}. Bold boxes and arrows are the path; rounded
        boxes are final statuses.
      </figcaption>
    </figure>
  );
}

/** The table as text: every transition with its cause (also what a screen reader gets). */
export function TransitionList({ current }: { current: EngagementStatus }): ReactNode {
  return (
    <details className="transition-list">
      <summary>All transitions ({TRANSITIONS.length})</summary>
      <table>
        <thead>
          <tr>
            <th scope="col">From</th>
            <th scope="col">To</th>
            <th scope="col">Caused by</th>
            <th scope="col">What happens</th>
          </tr>
        </thead>
        <tbody>
          {TRANSITIONS.map((t, i) => (
            <tr key={i} className={t.from === current ? 'row-current' : undefined}>
              <td>{t.from}</td>
              <td>{t.to}</td>
              <td>
                {t.cause.kind} <code>{t.cause.name}</code>
              </td>
              <td>{t.label}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

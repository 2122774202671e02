// The API reference at /docs: the OpenAPI document rendered to HTML on the server. No script, no
// stylesheet or font from elsewhere (the product runs without internet access).
type Json = Record<string, unknown>;

const esc = (value: unknown) =>
  (typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** Minimal inline markdown: `code` and **bold**. */
const md = (text: unknown) =>
  esc(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\n\n/g, '</p><p>');

const refName = (ref: string) => ref.replace('#/components/schemas/', '');
const anchor = (name: string) => `schema-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

function typeOf(schema: Json | undefined): string {
  if (!schema) return 'any';
  if (typeof schema.$ref === 'string') {
    const name = refName(schema.$ref);
    return `<a href="#${anchor(name)}">${esc(name)}</a>`;
  }
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => `<code>${esc(JSON.stringify(v))}</code>`).join(' | ');
  if ('const' in schema) return `<code>${esc(JSON.stringify(schema.const))}</code>`;
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (Array.isArray(schema[key]))
      return (schema[key] as Json[]).map(typeOf).join(key === 'allOf' ? ' &amp; ' : ' | ');
  }
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type as string | undefined);
  if (type === 'array') return `${typeOf(schema.items as Json)}[]`;
  if (
    type === 'object' &&
    schema.additionalProperties &&
    typeof schema.additionalProperties === 'object' &&
    !schema.properties
  ) {
    return `map of ${typeOf(schema.additionalProperties as Json)}`;
  }
  const format = schema.format ? ` (${esc(schema.format)})` : '';
  const pattern = schema.pattern ? ` <span class="muted">/${esc(schema.pattern)}/</span>` : '';
  return `${esc(type ?? 'any')}${format}${pattern}`;
}

function constraints(schema: Json): string {
  const parts: string[] = [];
  for (const [key, label] of [
    ['minimum', 'min'],
    ['maximum', 'max'],
    ['minLength', 'min length'],
    ['maxLength', 'max length'],
    ['minItems', 'min items'],
    ['maxItems', 'max items'],
    ['default', 'default'],
  ] as const) {
    if (schema[key] !== undefined) parts.push(`${label} ${esc(JSON.stringify(schema[key]))}`);
  }
  return parts.join(', ');
}

function propertiesTable(schema: Json, depth = 0): string {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  const rows = Object.entries(properties).map(([name, prop]) => {
    const nested = depth < 3 && prop.type === 'object' && prop.properties ? propertiesTable(prop, depth + 1) : '';
    const nestedItems =
      depth < 3 && prop.type === 'array' && (prop.items as Json | undefined)?.properties
        ? propertiesTable(prop.items as Json, depth + 1)
        : '';
    return `<tr><td><code>${esc(name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ''}</td><td>${typeOf(prop)}${nested}${nestedItems}</td><td>${md(prop.description ?? '')}${
      constraints(prop) ? ` <span class="muted">${constraints(prop)}</span>` : ''
    }</td></tr>`;
  });
  if (rows.length === 0) return '';
  const closed = schema.additionalProperties === false ? '<caption>no other fields allowed</caption>' : '';
  return `<table class="props">${closed}<thead><tr><th>field</th><th>type</th><th>notes</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** A schema as a table of its fields; a reference is shown with the fields of what it names (`components`). */
function schemaBlock(schema: Json | undefined, components: Record<string, Json> = {}): string {
  if (!schema) return '';
  if (typeof schema.$ref === 'string') {
    const target = components[refName(schema.$ref)];
    return `<p>${typeOf(schema)}</p>${target?.properties ? propertiesTable(target) : ''}`;
  }
  return schema.properties ? propertiesTable(schema) : `<p>${typeOf(schema)}</p>`;
}

const METHOD_ORDER = ['get', 'post', 'put', 'patch', 'delete'];

export function renderDocsHtml(doc: Json): string {
  const info = doc.info as Json;
  const paths = doc.paths as Record<string, Record<string, Json>>;
  const schemas = ((doc.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  const byTag = new Map<string, { method: string; path: string; op: Json }[]>();
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHOD_ORDER) {
      const op = item[method];
      if (!op) continue;
      const tag = ((op.tags as string[] | undefined) ?? ['Other'])[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push({ method, path, op });
    }
  }
  const opId = (op: Json) => `op-${esc(op.operationId)}`;
  const nav = [...byTag.entries()]
    .map(
      ([tag, ops]) =>
        `<h3>${esc(tag)}</h3><ul>${ops
          .map(
            ({ method, path, op }) =>
              `<li><a href="#${opId(op)}"><span class="m m-${method}">${method.toUpperCase()}</span> ${esc(path)}</a></li>`,
          )
          .join('')}</ul>`,
    )
    .join('');
  const operations = [...byTag.entries()]
    .map(([tag, ops]) => {
      const body = ops
        .map(({ method, path, op }) => {
          const params = ((op.parameters ?? []) as Json[])
            .map(
              (p) =>
                `<tr><td><code>${esc(p.name)}</code>${p.required ? ' <span class="req">required</span>' : ''}</td><td>${esc(p.in)}</td><td>${typeOf(
                  p.schema as Json,
                )}</td><td>${md((p.schema as Json | undefined)?.description ?? p.description ?? '')}</td></tr>`,
            )
            .join('');
          const requestBody = op.requestBody as Json | undefined;
          const requestSchema = ((requestBody?.content as Json | undefined)?.['application/json'] as Json | undefined)
            ?.schema as Json | undefined;
          const responses = Object.entries((op.responses ?? {}) as Record<string, Json>)
            .map(([status, r]) => {
              const content = (r.content ?? {}) as Record<string, Json>;
              const types = Object.entries(content)
                .map(([type, c]) => `<code>${esc(type)}</code> ${c.schema ? typeOf(c.schema as Json) : ''}`)
                .join('<br>');
              return `<tr><td class="status s${status[0]}">${esc(status)}</td><td>${md(r.description)}</td><td>${types}</td></tr>`;
            })
            .join('');
          return `<section class="op" id="${opId(op)}">
<h3><span class="m m-${method}">${method.toUpperCase()}</span> <code>${esc(path)}</code></h3>
<p class="summary">${md(op.summary)}</p><p>${md(op.description ?? '')}</p>
${params ? `<h4>Parameters</h4><table><thead><tr><th>name</th><th>in</th><th>type</th><th>notes</th></tr></thead><tbody>${params}</tbody></table>` : ''}
${requestSchema ? `<h4>Request body${requestBody?.required ? '' : ' (optional)'}</h4>${schemaBlock(requestSchema, schemas)}` : ''}
<h4>Responses</h4><table><thead><tr><th>status</th><th>meaning</th><th>body</th></tr></thead><tbody>${responses}</tbody></table>
</section>`;
        })
        .join('\n');
      return `<h2>${esc(tag)}</h2>${body}`;
    })
    .join('\n');
  const models = Object.entries(schemas)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([name, schema]) =>
        `<section class="schema" id="${anchor(name)}"><h3>${esc(name)}</h3>${schema.description ? `<p>${md(schema.description)}</p>` : ''}${schemaBlock(schema)}</section>`,
    )
    .join('\n');

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} — API reference</title>
<style>
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;display:flex}
nav{width:300px;flex:none;height:100vh;overflow:auto;position:sticky;top:0;background:#f5f7fa;border-right:1px solid #dde2e8;padding:16px;box-sizing:border-box;font-size:13px}
nav ul{list-style:none;padding:0;margin:0 0 12px}nav li{margin:3px 0}nav a{color:#1b1f24;text-decoration:none}nav h3{font-size:12px;text-transform:uppercase;color:#5b6570;margin:14px 0 6px}
main{flex:1;padding:24px 40px;max-width:1100px}
h1{margin-top:0}h2{border-bottom:2px solid #dde2e8;padding-bottom:4px;margin-top:40px}
.op,.schema{border:1px solid #dde2e8;border-radius:6px;padding:4px 18px 12px;margin:18px 0}
.m{display:inline-block;min-width:52px;text-align:center;border-radius:4px;color:#fff;font:bold 11px/20px ui-monospace,monospace;padding:0 4px}
.m-get{background:#2f6fdd}.m-post{background:#1e8a4c}.m-put{background:#b06d00}.m-patch{background:#7a4cc2}.m-delete{background:#c0392b}
table{border-collapse:collapse;width:100%;margin:6px 0;font-size:14px}th,td{border:1px solid #e3e7ec;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f5f7fa}
table.props table.props{margin-top:6px;font-size:13px}caption{caption-side:bottom;text-align:left;color:#5b6570;font-size:12px}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f0f2f5;padding:0 3px;border-radius:3px}
.req{color:#c0392b;font-size:11px}.muted{color:#5b6570;font-size:12px}.summary{font-weight:600}
.status{font:bold 13px ui-monospace,monospace}.s2{color:#1e8a4c}.s4{color:#b06d00}.s5{color:#c0392b}
</style></head>
<body><nav><strong>${esc(info.title)}</strong><br><span class="muted">version ${esc(info.version)} · <a href="/openapi.json">openapi.json</a></span>${nav}<h3>Schemas</h3><ul>${Object.keys(
    schemas,
  )
    .sort()
    .map((n) => `<li><a href="#${anchor(n)}">${esc(n)}</a></li>`)
    .join('')}</ul></nav>
<main><h1>${esc(info.title)}</h1><p>${md(info.description)}</p>
<p>Authenticate with <code>Authorization: Bearer &lt;token&gt;</code>. Errors are <code>application/problem+json</code>.</p>
${operations}
<h2>Schemas</h2>${models}
</main></body></html>`;
}

// Validates an OpenAPI document (JSON on stdin) with @apidevtools/swagger-parser. Run as a child
// process: swagger-parser loads an ES module, which Node's require() handles but Jest's module
// runtime does not. Prints "valid <version>" or the validation error, and exits 0 or 1.
const SwaggerParser = require('@apidevtools/swagger-parser');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', async () => {
  try {
    const api = await SwaggerParser.validate(JSON.parse(input));
    process.stdout.write(`valid ${api.openapi}\n`);
  } catch (err) {
    process.stdout.write(`invalid: ${err.message}\n`);
    process.exitCode = 1;
  }
});

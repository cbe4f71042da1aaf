// Preloaded by scripts/test-on-node.sh (NODE_OPTIONS=--import) into every Node.js process of a test run on another
// Node.js version: better-sqlite3 is the one native module here built against V8's ABI (NODE_MODULE_VERSION) rather
// than Node-API, so the checkout's build loads only on the Node.js that npm ci ran with. This sends better-sqlite3's
// load of its binary to the copy the script built for the version under test, and leaves the checkout untouched.
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';

const binding = process.env.OWNCHAT_TEST_SQLITE_BINDING;
if (!binding) {
  throw new Error(
    'OWNCHAT_TEST_SQLITE_BINDING names no binary: run the tests through scripts/test-on-node.sh',
  );
}
const url = pathToFileURL(binding).href;

registerHooks({
  resolve(specifier, context, nextResolve) {
    // `bindings` (better-sqlite3's loader) requires the binary by its absolute path in the checkout.
    if (/[\\/]better-sqlite3[\\/]build[\\/]Release[\\/]better_sqlite3\.node$/.test(specifier)) {
      return { url, format: 'addon', shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
});

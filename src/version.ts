/**
 * Version of this frontend package, compared with the server extension's
 * (`GET version`) at activation: both come from package.json at build time.
 */
declare const require: (id: string) => { version: string };

export const FRONTEND_VERSION: string = require('../package.json').version;

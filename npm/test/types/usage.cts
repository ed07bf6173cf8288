// Typed usage of the package from CommonJS (`require`).
import upkit = require('upkit');

const report: upkit.ValidationReport = upkit.validateManifest('{}');
const printed: string = upkit.formatReport('{}', { strict: false });
const order: -1 | 0 | 1 = upkit.compareVersions('1.0.0', '2.0.0');

let code: upkit.ErrorCode | undefined;
try {
  upkit.compareVersions('x', 'y');
} catch (error) {
  if (error instanceof upkit.UpkitError) code = error.code;
}
const made: upkit.UpkitError = new upkit.UpkitError('m', { code: 'internal' });

export = { report, order, code, made };

// keytar's spec (spec/keytar-spec.js, unmodified) loads keytar with require('../'), its package root: here this
// folder, whose index is secretstorage's keytar drop-in, resolved by package name through the exports map of the
// build (`npm run build`) as a user's require('secretstorage/keytar') is.
const { createRequire } = require('node:module');
const { join } = require('node:path');

module.exports = createRequire(join(__dirname, '..', '..', 'package.json'))('secretstorage/keytar');

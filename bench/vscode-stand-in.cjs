// Enough of the `vscode` module for a bundle's top level to evaluate; nothing is called.
module.exports = new Proxy({}, { get: () => new Proxy(function () {}, { get: () => undefined }) });

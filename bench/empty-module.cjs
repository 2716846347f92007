exports.activate = function activate() {};

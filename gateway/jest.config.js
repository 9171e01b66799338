module.exports = require('@crm/jest-config')(__dirname, { broker: true, sharedStack: true });

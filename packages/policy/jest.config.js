module.exports = require('@crm/jest-config')(__dirname);

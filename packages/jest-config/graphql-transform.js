// Loads a .graphql file as its text, the way tsup's text loader bundles it.
module.exports = {
  process(source) {
    return { code: `module.exports = ${JSON.stringify(source)};` };
  },
};

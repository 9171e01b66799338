// .graphql files are imported as their SDL text (tsup text loader, jest transform).
declare module '*.graphql' {
  const sdl: string;
  export default sdl;
}

// Catalogs imported with `?lingui` are compiled ICU messages (web/build/lingui-catalogs.ts).
declare module '*.json?lingui' {
  const messages: import('@lingui/core').Messages;
  export default messages;
}

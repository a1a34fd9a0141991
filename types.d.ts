// Lua scripts and other text assets are imported with `with { type: "text" }` and bundled into the binary.
declare module "*.lua" {
  const text: string;
  export default text;
}

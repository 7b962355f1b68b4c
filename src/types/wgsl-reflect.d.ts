// wgsl_reflect 1.6 declares "type": "module" but its "main" is a CommonJS build, so Node's ESM
// loader finds no named exports there. We import its ES-module build by path; this gives that
// path the package's own type declarations.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}

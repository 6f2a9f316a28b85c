// The linter of the house style (../shared/STYLE.md): typescript-eslint's recommended rules, no `any`,
// no unused names. Formatting is Prettier's (npm run format), never the linter's.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      ".tools/**",
      ".pulumi-state/**",
      ".stryker-tmp/**",
      "reports/**",
      "bench/results/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: "readonly",
        process: "readonly",
        require: "readonly",
        module: "writable",
        __dirname: "readonly",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        setImmediate: "readonly",
        fetch: "readonly",
        AbortSignal: "readonly",
        AbortController: "readonly",
        URL: "readonly",
        NodeJS: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      // Dynamic providers require Node and npm modules inside their methods: Pulumi serializes a
      // provider's closure, and a module binding captured from the top cannot be serialized.
      "@typescript-eslint/no-require-imports": "off",
      eqeqeq: ["error", "always"],
      "prefer-const": "error",
      // The project matches control characters on purpose: to refuse them in spec values and to strip
      // terminal codes from the output it shows.
      "no-control-regex": "off",
    },
  },
  {
    // Tests stub Pulumi's untyped mock API (MockResourceArgs.inputs) and read resources' untyped
    // inputs; product code never uses `any`.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);

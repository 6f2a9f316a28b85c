import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

// `pulumi preview --policy-pack policy` loads this file; constructing the pack starts its server.
new PolicyPack("phoenix-guardrails", { policies, enforcementLevel: "mandatory" });

/**
 * The npm packages of deploy/'s tests (pinned in import_map.json like every
 * dependency), gathered in one module so the tests import them from one place.
 */
export { parseAllDocuments } from "yaml";
export * as core from "kubernetes-models/v1";
export * as apps from "kubernetes-models/apps/v1";
export * as batch from "kubernetes-models/batch/v1";
export * as networking from "kubernetes-models/networking.k8s.io/v1";
export * as policy from "kubernetes-models/policy/v1";
export * as rbac from "kubernetes-models/rbac.authorization.k8s.io/v1";

/**
 * The npm packages of deploy/'s tests, pinned here in one place. They are
 * test-only tools, so they stay out of import_map.json (and out of the image:
 * the Dockerfile never copies deploy/).
 */
export { parseAllDocuments } from "npm:yaml@2.9.1";
export * as core from "npm:kubernetes-models@5.1.0/v1";
export * as apps from "npm:kubernetes-models@5.1.0/apps/v1";
export * as batch from "npm:kubernetes-models@5.1.0/batch/v1";
export * as networking from "npm:kubernetes-models@5.1.0/networking.k8s.io/v1";
export * as policy from "npm:kubernetes-models@5.1.0/policy/v1";
export * as rbac from "npm:kubernetes-models@5.1.0/rbac.authorization.k8s.io/v1";

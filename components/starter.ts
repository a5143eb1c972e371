/** What the editor shows before anything is opened: a short config with one thing to fix. */
export const STARTER_TEXT = `# Paste a Ray cluster launcher config here, open a file, drop one on the editor,
# or pick a sample. Validate with Ctrl+Enter (Cmd+Enter on macOS).
cluster_name: demo

provider:
  type: aws
  region: us-west-2

auth:
  ssh_user: ubuntu

available_node_types:
  ray.head.default:
    resources: {}
    node_config:
      InstanceType: m5.large
  ray.worker.default:
    min_workers: 1
    max_workers: 2
    resources: {}
    node_config:
      InstanceType: m5.large

head_node_type: ray.head.default
`;

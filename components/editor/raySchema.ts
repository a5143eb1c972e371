import type { JSONSchema } from 'monaco-yaml';

/**
 * A small JSON schema for Ray cluster launcher configs: the top-level keys with their types and
 * descriptions, for completion, hover and basic shape checks in the editor. It is deliberately
 * loose below the top level. Replace this file's export with the full Ray schema when it lands;
 * components/editor/setup.ts is the only reader.
 */
const commands: JSONSchema = {
  type: 'array',
  items: { type: 'string' },
};

export const RAY_SCHEMA_URI = 'https://rayguard.invalid/schemas/ray-cluster.json';

export const raySchema: JSONSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Ray cluster launcher config',
  type: 'object',
  required: ['cluster_name', 'provider'],
  additionalProperties: false,
  properties: {
    cluster_name: { type: 'string', description: 'A unique identifier for the head node and workers of this cluster.' },
    max_workers: { type: 'integer', minimum: 0, description: 'The maximum number of worker nodes to launch in addition to the head node.' },
    upscaling_speed: { type: 'number', minimum: 0, description: 'How fast the autoscaler scales up: upscaling_speed × running nodes at a time.' },
    idle_timeout_minutes: { type: 'number', minimum: 0, description: 'If a node is idle for this many minutes, it is removed.' },
    provider: {
      type: 'object',
      description: 'Cloud-provider specific configuration.',
      required: ['type'],
      properties: {
        type: { type: 'string', description: 'The cloud provider, e.g. `aws`.', examples: ['aws', 'gcp', 'azure', 'kuberay', 'local'] },
        region: { type: 'string', description: 'The AWS region, e.g. `us-west-2`.' },
        availability_zone: { type: 'string', description: 'Comma-separated availability zones to launch nodes in.' },
        cache_stopped_nodes: { type: 'boolean', description: 'Stop idle nodes instead of terminating them (default true).' },
        security_group: { type: 'object', description: 'Security group settings applied to all nodes.' },
        use_internal_ips: { type: 'boolean', description: 'Talk to the nodes over their private IPs.' },
        aws_credentials: {
          type: 'object',
          description: 'Static AWS credentials passed to boto3. Rayguard flags this block (RG406): use instance profiles instead.',
        },
      },
    },
    auth: {
      type: 'object',
      description: 'How Ray authenticates with newly launched nodes.',
      properties: {
        ssh_user: { type: 'string', description: 'The SSH user, e.g. `ubuntu`.' },
        ssh_private_key: { type: 'string', description: 'Path to a private key file on the machine running `ray up`.' },
      },
    },
    docker: { type: 'object', description: 'Docker configuration. When set, setup and start commands run in the container.' },
    head_node_type: { type: 'string', description: 'The key of `available_node_types` used for the head node.' },
    available_node_types: {
      type: 'object',
      description: 'The node types the autoscaler may launch. Each has `node_config` (EC2 RunInstances parameters, including `IamInstanceProfile`), `resources`, `min_workers` and `max_workers`.',
      additionalProperties: {
        type: 'object',
        properties: {
          node_config: {
            type: 'object',
            description: 'Passed to EC2 RunInstances. Put `IamInstanceProfile: {Arn: ...}` here.',
            properties: {
              InstanceType: { type: 'string', description: 'The EC2 instance type, e.g. `m5.large`.' },
              ImageId: { type: 'string', description: 'The AMI id.' },
              IamInstanceProfile: {
                type: 'object',
                description: 'The instance profile for nodes of this type: exactly one of `Arn` or `Name`.',
                properties: {
                  Arn: { type: 'string', description: 'arn:aws:iam::<account>:instance-profile/<name>' },
                  Name: { type: 'string', description: 'The instance profile name.' },
                },
              },
            },
          },
          resources: { type: 'object', description: 'Logical resources of this node type (CPU, GPU, custom).' },
          min_workers: { type: 'integer', minimum: 0 },
          max_workers: { type: 'integer', minimum: 0 },
          worker_setup_commands: commands,
          docker: { type: 'object' },
        },
      },
    },
    file_mounts: { type: 'object', description: 'Map of remote paths to local paths, e.g. {"/tmp/data": "/my/local/data"}.' },
    cluster_synced_files: { type: 'array', description: 'Paths on the head node to sync to the worker nodes.' },
    file_mounts_sync_continuously: { type: 'boolean', description: 'Keep syncing file mounts from head to workers while the cluster runs.' },
    rsync_exclude: { type: 'array', description: 'Patterns excluded from rsync (rsync --exclude).' },
    rsync_filter: { type: 'array', description: 'Pattern files (such as .gitignore) whose patterns are excluded from rsync.' },
    metadata: { type: 'object', description: 'User-defined data; Ray does not interpret it.' },
    initialization_commands: { ...commands, description: 'Commands run before `setup_commands`, outside the container.' },
    setup_commands: { ...commands, description: 'Shell commands run on every node to set it up.' },
    head_setup_commands: { ...commands, description: 'Commands run on the head node after `setup_commands`.' },
    worker_setup_commands: { ...commands, description: 'Commands run on worker nodes after `setup_commands`.' },
    head_start_ray_commands: { ...commands, description: 'Commands that start Ray on the head node.' },
    worker_start_ray_commands: { ...commands, description: 'Commands that start Ray on worker nodes.' },
    no_restart: { type: 'boolean', description: 'Set by `ray up --no-restart`.' },
    // Legacy (Ray < 2.0) sections: reported by Rayguard as RG105, so not flagged twice here.
    head_node: { type: 'object', deprecationMessage: 'Ignored by Ray 2.0 and later: use available_node_types.' },
    worker_nodes: { type: 'object', deprecationMessage: 'Ignored by Ray 2.0 and later: use available_node_types.' },
    min_workers: { type: 'integer', deprecationMessage: 'Legacy: set min_workers per node type.' },
  },
};

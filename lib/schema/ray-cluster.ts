/**
 * Rayguard's JSON schema (draft-07) for Ray cluster launcher configs on AWS.
 *
 * One schema, three readers: the editor (monaco-yaml: completion, hover, snippets), the core rule
 * RG103 (through lib/schema/validate.ts), and the tests (which compile it with ajv). It follows
 * Ray's own `ray-schema.json` where Ray checks something, and adds what Ray leaves to boto3/EC2:
 * the types of the EC2 RunInstances parameters people put in `node_config`.
 *
 * Deliberate differences from Ray's schema:
 * - `resources` is not required in a node type: on AWS Ray fills it from the instance type first.
 * - Per-node-type `labels` and `idle_timeout_s` (newer Ray) are accepted.
 * - Ray 1.x top-level keys are listed as deprecated instead of rejected: RG105 and RG103's own
 *   legacy messages report them, so the generic unknown-key message never does.
 * - `provider.aws_credentials` and `provider.key_pair` are described (Ray reads them; its schema
 *   does not list them). The former is reported by RG406.
 * - `file_mounts` values, `cluster_synced_files` and the rsync lists must be strings.
 *
 * Plain data only: no functions, no `$ref` (shared parts are shared JS objects), no monaco types.
 * Keywords used are those lib/schema/validate.ts implements, plus annotations (descriptions,
 * examples, defaultSnippets, deprecationMessage, errorMessage) that only the editor reads.
 */

/** A JSON schema as plain data, loosely typed. */
export type JsonSchema = { [keyword: string]: unknown };

const text = (description: string, extra: JsonSchema = {}): JsonSchema => ({ type: 'string', description, ...extra });
const flag = (description: string, extra: JsonSchema = {}): JsonSchema => ({ type: 'boolean', description, ...extra });
const count = (description: string, extra: JsonSchema = {}): JsonSchema => ({ type: 'integer', minimum: 0, description, ...extra });
const listOf = (items: JsonSchema, description: string, extra: JsonSchema = {}): JsonSchema => ({ type: 'array', items, description, ...extra });
const STRING: JsonSchema = { type: 'string' };
const strings = (description: string): JsonSchema => listOf(STRING, description);
const commands = (description: string): JsonSchema => listOf(STRING, `${description} Each item is one shell command line.`);
const choice = (values: string[], description: string): JsonSchema => ({ type: 'string', enum: values, description });
const legacy = (description: string, deprecationMessage: string): JsonSchema => ({ description, deprecationMessage });

// ---------------------------------------------------------------------------------------------
// node_config: EC2 RunInstances parameters
// ---------------------------------------------------------------------------------------------

const PROFILE_ARN_SNIPPET = 'arn:aws:iam::${1:123456789012}:instance-profile/${2:ray-head}';

const INSTANCE_PROFILE: JsonSchema = {
  type: 'object',
  description:
    'The IAM instance profile the nodes of this type run with; their AWS permissions come from its role. ' +
    'Give exactly one of `Arn` (an instance-profile ARN, not a role ARN) or `Name`. ' +
    'Without one on the head, Ray creates or reuses the account-wide `ray-autoscaler-v1` profile. ' +
    'Rayguard checks the value with RG203–RG209 and, with IAM access, RG301–RG309.',
  additionalProperties: false,
  properties: {
    Arn: text('Instance-profile ARN: `arn:<partition>:iam::<12-digit account>:instance-profile/<optional path/><name>`.', {
      examples: ['arn:aws:iam::123456789012:instance-profile/ray-head'],
    }),
    Name: text('Instance profile name (not the role name, although the two are often equal).'),
  },
  oneOf: [{ required: ['Arn'] }, { required: ['Name'] }],
  errorMessage: 'IamInstanceProfile takes exactly one of Arn or Name.',
  defaultSnippets: [
    { label: 'instance profile ARN', description: 'Reference an instance profile by its ARN.', body: { Arn: PROFILE_ARN_SNIPPET } },
  ],
};

const EBS: JsonSchema = {
  type: 'object',
  description: 'The EBS volume behind this device.',
  additionalProperties: true,
  properties: {
    VolumeSize: { type: 'integer', minimum: 1, description: 'Size in GiB.' },
    VolumeType: choice(['standard', 'io1', 'io2', 'gp2', 'gp3', 'sc1', 'st1'], 'EBS volume type (lower case).'),
    Iops: count('Provisioned IOPS (io1, io2, gp3).'),
    Throughput: count('Throughput in MiB/s (gp3 only).'),
    DeleteOnTermination: flag('Delete the volume when the instance terminates.'),
    Encrypted: flag('Encrypt the volume.'),
    KmsKeyId: text('KMS key for encryption (id, alias or ARN); the account default key when omitted.'),
    SnapshotId: text('Create the volume from this snapshot.'),
    OutpostArn: text('Outpost to create the volume on.'),
  },
};

const BLOCK_DEVICE_MAPPING: JsonSchema = {
  type: 'object',
  description: 'One block device: which device name, and the volume attached to it.',
  additionalProperties: false,
  properties: {
    DeviceName: text('Device name as the AMI knows it, for example `/dev/sda1` (Ubuntu root) or `/dev/xvda` (Amazon Linux root).'),
    VirtualName: text('Instance store volume name (`ephemeral0` ...).'),
    NoDevice: text('Suppress a device the AMI would otherwise map (use an empty string).'),
    Ebs: EBS,
  },
};

const SPOT_OPTIONS: JsonSchema = {
  type: 'object',
  description: 'Spot request options.',
  additionalProperties: false,
  properties: {
    MaxPrice: text('Highest hourly price, written as a string (quote it: `"0.50"`); the on-demand price when omitted.'),
    SpotInstanceType: choice(['one-time', 'persistent'], 'Request kind.'),
    BlockDurationMinutes: count('Deprecated by AWS: fixed duration in minutes.'),
    ValidUntil: { description: 'End date of a persistent request (a timestamp).' },
    InstanceInterruptionBehavior: choice(['hibernate', 'stop', 'terminate'], 'What EC2 does when it reclaims the instance.'),
  },
};

const INSTANCE_MARKET_OPTIONS: JsonSchema = {
  type: 'object',
  description: 'Launch as spot (or capacity-block) instances instead of on-demand.',
  additionalProperties: false,
  properties: {
    MarketType: text('Market to launch in.', { examples: ['spot', 'capacity-block'] }),
    SpotOptions: SPOT_OPTIONS,
  },
};

const LAUNCH_TEMPLATE: JsonSchema = {
  type: 'object',
  description:
    'Start from an EC2 launch template. Ray reads the template during `ray up` and merges its data under this node_config; ' +
    'keys written here win. A profile set in the template counts as the node type\'s profile.',
  additionalProperties: false,
  properties: {
    LaunchTemplateId: text('Template id (`lt-...`). Give this or LaunchTemplateName.'),
    LaunchTemplateName: text('Template name. Give this or LaunchTemplateId.'),
    Version: {
      type: ['string', 'integer'],
      description: 'Template version: a number, `$Latest` or `$Default` (the default).',
      examples: ['$Latest', '$Default', 1],
    },
  },
  oneOf: [{ required: ['LaunchTemplateId'] }, { required: ['LaunchTemplateName'] }],
  errorMessage: 'LaunchTemplate takes exactly one of LaunchTemplateId or LaunchTemplateName.',
};

const TAG: JsonSchema = {
  type: 'object',
  description: 'One tag.',
  additionalProperties: false,
  required: ['Key'],
  properties: { Key: text('Tag key.'), Value: text('Tag value (quote numbers).') },
};

const TAG_SPECIFICATION: JsonSchema = {
  type: 'object',
  description: 'Tags for one kind of resource created with the instance.',
  additionalProperties: false,
  properties: {
    ResourceType: text('What to tag.', { examples: ['instance', 'volume', 'network-interface', 'spot-instances-request'] }),
    Tags: listOf(TAG, 'The tags.'),
  },
};

const NETWORK_INTERFACE: JsonSchema = {
  type: 'object',
  description: 'One network interface to attach at launch. Security groups go in `Groups` here, not in SecurityGroupIds.',
  additionalProperties: true,
  properties: {
    AssociatePublicIpAddress: flag('Give the interface a public IPv4 address (device index 0 only).'),
    DeleteOnTermination: flag('Delete the interface when the instance terminates.'),
    Description: text('Free-form description.'),
    DeviceIndex: count('Position of the interface on the instance (0 is the primary).'),
    NetworkCardIndex: count('Network card the interface attaches to (instances with several cards, EFA).'),
    Groups: strings('Security group ids for this interface.'),
    InterfaceType: text('Special interface kinds.', { examples: ['efa', 'efa-only', 'interface'] }),
    NetworkInterfaceId: text('Attach an existing interface instead of creating one.'),
    PrivateIpAddress: text('Primary private IPv4 address.'),
    SecondaryPrivateIpAddressCount: count('Number of extra private IPv4 addresses.'),
    Ipv6AddressCount: count('Number of IPv6 addresses.'),
    SubnetId: text('Subnet of this interface.'),
  },
};

const PLACEMENT: JsonSchema = {
  type: 'object',
  description: 'Where the instance is placed: availability zone, placement group, tenancy.',
  additionalProperties: true,
  properties: {
    AvailabilityZone: text('Availability zone, for example `us-west-2a`.'),
    GroupName: text('Placement group name (cluster, spread or partition).'),
    GroupId: text('Placement group id.'),
    PartitionNumber: { type: 'integer', minimum: 1, description: 'Partition in a partition placement group.' },
    Tenancy: choice(['default', 'dedicated', 'host'], 'Hardware tenancy.'),
    HostId: text('Dedicated host id.'),
    Affinity: text('Affinity to a dedicated host.'),
  },
};

const METADATA_OPTIONS: JsonSchema = {
  type: 'object',
  description: 'Instance metadata service (IMDS) settings. `HttpTokens: required` enforces IMDSv2.',
  additionalProperties: false,
  properties: {
    HttpTokens: choice(['optional', 'required'], '`required` turns off IMDSv1.'),
    HttpPutResponseHopLimit: { type: 'integer', minimum: 1, maximum: 64, description: 'Hops a metadata token may travel; containers need at least 2.' },
    HttpEndpoint: choice(['enabled', 'disabled'], 'Turn the metadata endpoint on or off. Off means no instance-profile credentials.'),
    HttpProtocolIpv6: choice(['enabled', 'disabled'], 'Serve metadata over IPv6 too.'),
    InstanceMetadataTags: choice(['enabled', 'disabled'], 'Expose instance tags through metadata.'),
  },
};

const NODE_CONFIG: JsonSchema = {
  type: 'object',
  description:
    'Parameters for EC2 RunInstances for nodes of this type; Ray hands them to boto3 almost unchanged ' +
    '(it picks one of SubnetIds and adds counts and tags). Any RunInstances parameter is accepted; the common ones are typed. ' +
    'The instance profile belongs here: `IamInstanceProfile: {Arn: ...}`.',
  additionalProperties: true,
  properties: {
    InstanceType: text('EC2 instance type. On AWS Ray derives CPU, GPU and memory resources from it.', { examples: ['m5.large', 'm5.2xlarge', 'g5.xlarge', 'p4d.24xlarge'] }),
    ImageId: text('AMI id (`ami-...`) in the provider\'s region. When omitted, Ray picks its default Deep Learning AMI.'),
    KeyName: text('EC2 key pair for SSH. Needed in every node_config when `auth.ssh_private_key` is set (unless UserData sets up the key).'),
    IamInstanceProfile: INSTANCE_PROFILE,
    SubnetIds: strings('Subnets Ray may launch into; it passes one of them to EC2 as SubnetId. A Ray extension, not an EC2 parameter.'),
    SubnetId: text('One subnet to launch into.'),
    SecurityGroupIds: strings('Security group ids. When omitted, Ray creates or reuses `ray-autoscaler-<cluster_name>`.'),
    SecurityGroups: strings('Security group names (default VPC only); prefer SecurityGroupIds.'),
    BlockDeviceMappings: listOf(BLOCK_DEVICE_MAPPING, 'Disks: root volume size and type, extra EBS volumes, instance store.'),
    LaunchTemplate: LAUNCH_TEMPLATE,
    InstanceMarketOptions: INSTANCE_MARKET_OPTIONS,
    UserData: text('Script or cloud-init data run at first boot, as plain text (boto3 encodes it). Do not put credentials in it.'),
    TagSpecifications: listOf(TAG_SPECIFICATION, 'Extra tags; Ray adds its own `ray-*` tags to the instance.'),
    NetworkInterfaces: listOf(NETWORK_INTERFACE, 'Network interfaces to attach (EFA, several cards, fixed IPs). Excludes SubnetIds/SecurityGroupIds.'),
    Placement: PLACEMENT,
    MetadataOptions: METADATA_OPTIONS,
    EbsOptimized: flag('Request EBS-optimized I/O (already on for most current instance types).'),
    Monitoring: {
      type: 'object',
      description: 'Detailed (one-minute) CloudWatch monitoring.',
      additionalProperties: false,
      required: ['Enabled'],
      properties: { Enabled: flag('Turn detailed monitoring on.') },
    },
    CapacityReservationSpecification: {
      type: 'object',
      description: 'Use (or avoid) capacity reservations.',
      additionalProperties: true,
      properties: {
        CapacityReservationPreference: choice(['capacity-reservations-only', 'open', 'none'], 'Which reservations the instance may use.'),
        CapacityReservationTarget: {
          type: 'object',
          description: 'A specific reservation or reservation group.',
          additionalProperties: true,
          properties: {
            CapacityReservationId: text('Reservation id (`cr-...`).'),
            CapacityReservationResourceGroupArn: text('ARN of a reservation resource group.'),
          },
        },
      },
    },
    CpuOptions: {
      type: 'object',
      description: 'CPU cores and threads per core.',
      additionalProperties: true,
      properties: {
        CoreCount: { type: 'integer', minimum: 1, description: 'Number of cores.' },
        ThreadsPerCore: { type: 'integer', minimum: 1, description: '1 turns off hyper-threading.' },
      },
    },
    PrivateIpAddress: text('Fixed primary private IPv4 address. Only sensible for a node type that launches one node.'),
    HibernationOptions: {
      type: 'object',
      description: 'Allow hibernation.',
      additionalProperties: true,
      properties: { Configured: flag('Enable hibernation (needs an encrypted root volume).') },
    },
    InstanceInitiatedShutdownBehavior: choice(['stop', 'terminate'], 'What a shutdown from inside the instance does.'),
    DisableApiTermination: flag('Termination protection. Ray could then not terminate the node.'),
    DisableApiStop: flag('Stop protection.'),
    CreditSpecification: {
      type: 'object',
      description: 'CPU credits of burstable (T) instances.',
      additionalProperties: true,
      properties: { CpuCredits: text('`standard` or `unlimited`.', { examples: ['standard', 'unlimited'] }) },
    },
    EnclaveOptions: {
      type: 'object',
      description: 'Nitro Enclaves.',
      additionalProperties: true,
      properties: { Enabled: flag('Enable Nitro Enclaves.') },
    },
    Ipv6AddressCount: count('Number of IPv6 addresses for the primary interface.'),
    KernelId: text('Kernel id (paravirtual AMIs only).'),
    RamdiskId: text('RAM disk id (paravirtual AMIs only).'),
    MinCount: { type: 'integer', minimum: 1, description: 'Set by Ray for each launch; leave it out.' },
    MaxCount: { type: 'integer', minimum: 1, description: 'Set by Ray for each launch; leave it out.' },
  },
  defaultSnippets: [
    {
      label: 'add instance profile',
      description: 'Give nodes of this type AWS permissions through an instance profile (by ARN).',
      body: { IamInstanceProfile: { Arn: PROFILE_ARN_SNIPPET } },
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// available_node_types
// ---------------------------------------------------------------------------------------------

const NODE_TYPE: JsonSchema = {
  type: 'object',
  description:
    'One kind of node the autoscaler may launch: its EC2 parameters, how many of it may run, and what it offers to Ray\'s scheduler.',
  required: ['node_config'],
  additionalProperties: false,
  properties: {
    node_config: NODE_CONFIG,
    min_workers: count('Workers of this type the autoscaler keeps running even when idle.'),
    max_workers: count('Most workers of this type at once (0 for a head type that must not run workers; the head is not counted).'),
    resources: {
      type: 'object',
      description:
        'Logical resources nodes of this type advertise (CPU, GPU, memory, custom names), whole numbers. ' +
        'On AWS, Ray fills CPU, GPU and memory from the instance type when this is missing.',
      additionalProperties: { type: 'integer', minimum: 0 },
      examples: [{ CPU: 4, GPU: 1 }],
    },
    labels: {
      type: 'object',
      description: 'Node labels (name → text) for label-based scheduling; newer Ray versions.',
      additionalProperties: STRING,
    },
    idle_timeout_s: {
      type: 'number',
      minimum: 0,
      description: 'Seconds a node of this type may be idle before removal; overrides idle_timeout_minutes (newer Ray, autoscaler v2).',
    },
    initialization_commands: commands('Replace the top-level initialization_commands for this type.'),
    worker_setup_commands: commands('Replace the top-level worker_setup_commands for workers of this type.'),
    docker: {
      type: 'object',
      description: 'Container settings that differ for workers of this type.',
      additionalProperties: false,
      properties: {
        pull_before_run: flag('Pull the image before each start.'),
        worker_image: text('Image for workers of this type.'),
        worker_run_options: { type: 'array', description: 'Extra `docker run` arguments for workers of this type.' },
      },
    },
  },
  defaultSnippets: [
    {
      label: 'node type',
      description: 'A worker node type with an instance type, worker counts and an instance profile.',
      body: {
        min_workers: '${1:0}',
        max_workers: '${2:2}',
        node_config: {
          InstanceType: '${3:m5.large}',
          IamInstanceProfile: { Arn: 'arn:aws:iam::${4:123456789012}:instance-profile/${5:ray-worker}' },
        },
      },
    },
  ],
};

// ---------------------------------------------------------------------------------------------
// provider, auth, docker
// ---------------------------------------------------------------------------------------------

const NULLABLE_TEXT = (description: string): JsonSchema => ({ type: ['string', 'null'], description });
const NULLABLE_INT = (description: string): JsonSchema => ({ type: ['integer', 'null'], description });

const CLOUDWATCH: JsonSchema = {
  type: 'object',
  description:
    'CloudWatch agent, dashboard and alarms on the nodes. The nodes then need a profile with CloudWatch rights, ' +
    'for example `Name: ray-autoscaler-cloudwatch-v1`.',
  additionalProperties: true,
  properties: {
    agent: {
      type: 'object',
      description: 'The CloudWatch agent.',
      additionalProperties: true,
      properties: {
        config: NULLABLE_TEXT('Path (on the machine running `ray up`) to the agent\'s JSON config.'),
        CLOUDWATCH_AGENT_INSTALLED_AMI_TAG: { type: ['string'], description: 'Tag marking AMIs that already have the agent.' },
        retryer: {
          type: 'object',
          description: 'How often to retry while the agent starts.',
          additionalProperties: true,
          properties: {
            max_attempts: NULLABLE_INT('Attempts before giving up.'),
            delay_seconds: NULLABLE_INT('Seconds between attempts.'),
          },
        },
      },
    },
    dashboard: {
      type: 'object',
      description: 'A CloudWatch dashboard for the cluster.',
      additionalProperties: true,
      properties: {
        name: NULLABLE_TEXT('Dashboard name prefix.'),
        config: NULLABLE_TEXT('Path to the dashboard\'s JSON config.'),
      },
    },
    alarm: {
      type: 'object',
      description: 'CloudWatch alarms for the nodes.',
      additionalProperties: true,
      properties: { config: NULLABLE_TEXT('Path to the alarms\' JSON config.') },
    },
  },
};

const PROVIDER: JsonSchema = {
  type: 'object',
  description:
    'Which cloud and where. On AWS: region, availability zones, security group, and how Ray reaches the nodes. ' +
    'Instance profiles do not go here: they belong in each node type\'s node_config.',
  required: ['type'],
  additionalProperties: true,
  properties: {
    type: text('Cloud provider. Rayguard\'s AWS checks run when this is `aws`.', {
      examples: ['aws', 'gcp', 'azure', 'vsphere', 'kuberay', 'local', 'external'],
    }),
    region: text('AWS region of every node (Ray\'s default: us-west-2).', {
      examples: ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-northeast-1', 'ap-southeast-2'],
    }),
    availability_zone: text('Availability zones, comma-separated, tried in the order written.', { examples: ['us-west-2a,us-west-2b'] }),
    cache_stopped_nodes: flag('Stop idle nodes and restart them later instead of terminating them (true unless set to false).'),
    security_group: {
      type: 'object',
      description: 'The security group Ray creates (or reuses) for the nodes when node_config names none.',
      additionalProperties: false,
      properties: {
        GroupName: text('Group name; Ray\'s default is `ray-autoscaler-<cluster_name>`.'),
        IpPermissions: listOf(
          {
            type: 'object',
            description: 'One inbound rule, in EC2 AuthorizeSecurityGroupIngress form.',
            additionalProperties: true,
            properties: {
              IpProtocol: text('`tcp`, `udp`, `icmp` or `-1` for all.'),
              FromPort: { type: 'integer', description: 'First port.' },
              ToPort: { type: 'integer', description: 'Last port.' },
              IpRanges: listOf(
                { type: 'object', additionalProperties: true, properties: { CidrIp: text('IPv4 range.'), Description: text('Why the range is allowed.') } },
                'Allowed IPv4 ranges.',
              ),
            },
          },
          'Inbound rules added to the ones Ray opens between the nodes.',
        ),
      },
    },
    use_internal_ips: flag('Reach the nodes on their private IPs only; `ray up` must then run inside the VPC.'),
    cloudwatch: CLOUDWATCH,
    key_pair: {
      type: 'object',
      description: 'The EC2 key pair Ray creates or reuses when `auth.ssh_private_key` is not set.',
      additionalProperties: true,
      properties: { key_name: text('Key pair name to use instead of Ray\'s `ray-autoscaler_*` default.') },
    },
    aws_credentials: {
      type: 'object',
      description:
        'Static AWS keys passed to boto3. Rayguard reports this block (RG406): Ray copies the provider section to the head node ' +
        'and keeps it there in plain text. Use your normal credential chain for `ray up` and instance profiles on the nodes.',
      deprecationMessage: 'Rayguard RG406: do not put AWS keys in the config; use instance profiles.',
    },
    disable_node_updaters: flag('Do not run setup on new nodes from the head (used by some providers).'),
    // Keys of other providers, typed as Ray's schema types them.
    module: text('Python module path of a custom node provider (`type: external`).'),
    head_ip: text('Local provider: the head node\'s address.'),
    worker_ips: { type: 'array', description: 'Local provider: worker addresses.' },
    namespace: text('Kubernetes namespace.'),
    location: text('Azure region.'),
    resource_group: text('Azure resource group.'),
    tags: { type: 'object', description: 'Azure resource tags.' },
    subscription_id: text('Azure subscription.'),
    msi_identity_id: text('Azure managed identity id.'),
    msi_identity_principal_id: text('Azure managed identity principal id.'),
    subnet_id: text('Azure subnet.'),
    autoscaler_service_account: { type: 'object', description: 'Kubernetes service account for the autoscaler.' },
    autoscaler_role: { type: 'object', description: 'Kubernetes role for the autoscaler.' },
    autoscaler_role_binding: { type: 'object', description: 'Kubernetes role binding for the autoscaler.' },
    project_id: { type: ['string', 'null'], description: 'GCP project.' },
    gcp_credentials: {
      type: 'object',
      description: 'GCP credentials.',
      required: ['type'],
      additionalProperties: false,
      properties: {
        type: choice(['credentials_token', 'service_account'], 'Kind of credential.'),
        credentials: text('The credential itself.'),
      },
    },
  },
};

const AUTH: JsonSchema = {
  type: 'object',
  description: 'How Ray logs in to the nodes it launches over SSH.',
  additionalProperties: false,
  properties: {
    ssh_user: text('Login user of the AMI: `ubuntu` for Ubuntu and the Deep Learning AMIs, `ec2-user` for Amazon Linux.', {
      examples: ['ubuntu', 'ec2-user'],
    }),
    ssh_private_key: text('Path, on the machine running `ray up`, to your own private key. Then set KeyName in every node_config.'),
    ssh_public_key: text('Path to the matching public key (not used on AWS).'),
    ssh_proxy_command: text('SSH ProxyCommand, for example to go through a bastion host.'),
  },
};

const DOCKER: JsonSchema = {
  type: 'object',
  description: 'Run Ray in a container on every node; setup and start commands then run inside it. `{}` means no container.',
  additionalProperties: false,
  properties: {
    image: text('Image for all nodes unless head_image / worker_image say otherwise.', { examples: ['rayproject/ray:latest-cpu', 'rayproject/ray-ml:latest-gpu'] }),
    container_name: text('Name of the container on each node.'),
    pull_before_run: flag('Pull the image again before starting the container.'),
    run_options: { type: 'array', description: 'Extra `docker run` arguments for all nodes. Never pass AWS keys here with `-e`.' },
    head_image: text('Image for the head node.'),
    head_run_options: { type: 'array', description: 'Extra `docker run` arguments for the head node.' },
    worker_image: text('Image for worker nodes.'),
    worker_run_options: { type: 'array', description: 'Extra `docker run` arguments for worker nodes.' },
    disable_automatic_runtime_detection: flag('Do not switch to the NVIDIA runtime automatically on GPU nodes.'),
    disable_shm_size_detection: flag('Do not size /dev/shm automatically.'),
    use_podman: flag('Use podman instead of docker.'),
  },
};

// ---------------------------------------------------------------------------------------------
// The whole config
// ---------------------------------------------------------------------------------------------

const LEGACY_SECTION =
  'Ray 1.x format: raw EC2 parameters for the head (or the workers). Ray 2.0 and later ignore a non-empty section; ' +
  'Rayguard reports it as RG105.';

export const RAY_CLUSTER_SCHEMA: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Ray cluster launcher config (AWS)',
  description: 'A Ray cluster config for `ray up`, as Rayguard checks it.',
  type: 'object',
  required: ['cluster_name', 'provider'],
  additionalProperties: false,
  properties: {
    cluster_name: text('Name of the cluster. Ray tags every node with it, so clusters in one account and region need different names.'),
    max_workers: count('Most worker nodes across all node types (the head is not counted).'),
    upscaling_speed: { type: 'number', minimum: 0, description: 'How fast the autoscaler grows the cluster: up to this many times the current node count may be pending at once.' },
    idle_timeout_minutes: { type: 'number', minimum: 0, description: 'Minutes a worker may stay idle before the autoscaler removes it.' },
    provider: PROVIDER,
    auth: AUTH,
    docker: DOCKER,
    head_node_type: text('The key of available_node_types the head node uses.'),
    available_node_types: {
      type: 'object',
      description: 'The node types, by name (any name). One of them is the head (head_node_type); the others are for workers.',
      additionalProperties: NODE_TYPE,
    },
    file_mounts: {
      type: 'object',
      description: 'Files or directories copied to every node: remote path → local path. Do not sync `~/.aws` or key files (RG407).',
      additionalProperties: STRING,
    },
    cluster_synced_files: strings('Paths on the head node copied to every worker (same path there).'),
    file_mounts_sync_continuously: flag('Keep copying changes under file_mounts from the head to the workers while the cluster runs.'),
    rsync_exclude: strings('Patterns rsync skips when syncing files up or down.'),
    rsync_filter: strings('Names of filter files (such as `.gitignore`) whose patterns rsync honours in each directory.'),
    metadata: { type: 'object', description: 'Free-form data for your own tools; Ray does not read it.' },
    initialization_commands: commands('Run first on each node, on the host (outside any container).'),
    setup_commands: commands('Run on every node (inside the container when docker is set) to install and configure software.'),
    head_setup_commands: commands('Run on the head node after setup_commands.'),
    worker_setup_commands: commands('Run on worker nodes after setup_commands.'),
    head_start_ray_commands: commands('Start Ray on the head node.'),
    worker_start_ray_commands: commands('Start Ray on a worker and connect it to the head.'),
    no_restart: { description: 'Set by `ray up --no-restart`: update files and setup without restarting Ray.' },
    // Ray 1.x keys: described, never a generic schema error (RG105 and RG103's legacy messages report them).
    head_node: legacy(LEGACY_SECTION, 'Legacy format ignored by Ray 2.0+: move these settings into available_node_types.<type>.node_config.'),
    worker_nodes: legacy(LEGACY_SECTION, 'Legacy format ignored by Ray 2.0+: move these settings into available_node_types.<type>.node_config.'),
    min_workers: legacy('Ray 1.x cluster-wide minimum. Current Ray drops it; set min_workers on each node type.', 'Set min_workers on each node type instead.'),
    initial_workers: legacy('Ray 1.x key; current Ray rejects it.', 'Removed in Ray 2: remove it.'),
    autoscaling_mode: legacy('Ray 1.x key; current Ray rejects it.', 'Removed in Ray 2: remove it (see upscaling_speed).'),
    target_utilization_fraction: legacy('Ray 1.x key; current Ray rejects it.', 'Removed in Ray 2: remove it (see upscaling_speed).'),
    worker_default_node_type: legacy('Ray 1.x key; current Ray rejects it.', 'Removed in Ray 2: remove it.'),
  },
};

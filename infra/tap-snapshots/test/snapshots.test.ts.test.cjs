/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/snapshots.test.ts > TAP > UserService-dev-Service 1`] = `
Object {
  "Description": "User service (dev): stream relay, event topic and queues, API, projector, alarms",
  "Outputs": Object {
    "AlarmTopicArn": Object {
      "Description": "Every alarm notifies it",
      "Value": Object {
        "Ref": "OperationsAlarmTopic909EF7A3",
      },
    },
    "ApiUrl": Object {
      "Description": "The API's base URL, ending in /",
      "Value": Object {
        "Fn::Join": Array [
          "",
          Array [
            "https://",
            Object {
              "Ref": "UserServiceApi54E23B5B",
            },
            ".execute-api.eu-west-1.",
            Object {
              "Ref": "AWS::URLSuffix",
            },
            "/",
          ],
        ],
      },
    },
    "ConsumerQueueArnmailer": Object {
      "Description": "mailer: its queue",
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventsConsumermailerQueueD3BFF403",
          "Arn",
        ],
      },
    },
    "ConsumerQueueArnprojector": Object {
      "Description": "projector: its queue",
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventsConsumerprojectorQueue078FA593",
          "Arn",
        ],
      },
    },
    "ConsumerQueueUrlmailer": Object {
      "Description": "mailer: its queue (pnpm redrive's destination)",
      "Value": Object {
        "Ref": "EventsConsumermailerQueueD3BFF403",
      },
    },
    "ConsumerQueueUrlprojector": Object {
      "Description": "projector: its queue (pnpm redrive's destination)",
      "Value": Object {
        "Ref": "EventsConsumerprojectorQueue078FA593",
      },
    },
    "DashboardName": Object {
      "Description": "The CloudWatch dashboard",
      "Value": Object {
        "Ref": "OperationsDashboardE19B83FC",
      },
    },
    "DeadLetterQueueArnmailer": Object {
      "Description": "mailer: its DLQ (StartMessageMoveTask --source-arn)",
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventsConsumermailerDeadLetterQueue99D77A35",
          "Arn",
        ],
      },
    },
    "DeadLetterQueueArnprojector": Object {
      "Description": "projector: its DLQ (StartMessageMoveTask --source-arn)",
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
          "Arn",
        ],
      },
    },
    "DeadLetterQueueUrlmailer": Object {
      "Description": "mailer: its DLQ (pnpm redrive's source)",
      "Value": Object {
        "Ref": "EventsConsumermailerDeadLetterQueue99D77A35",
      },
    },
    "DeadLetterQueueUrlprojector": Object {
      "Description": "projector: its DLQ (pnpm redrive's source)",
      "Value": Object {
        "Ref": "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
      },
    },
    "EventStoreTableName": Object {
      "Description": "pnpm republish reads here (EVENT_STORE_TABLE)",
      "Value": Object {
        "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefEventStoreTable9A84AAAA66CD143F",
      },
    },
    "EventTopicArn": Object {
      "Description": "pnpm republish publishes here (TOPIC_ARN)",
      "Value": Object {
        "Ref": "EventsTopic97220A64",
      },
    },
    "OperatorPolicyArn": Object {
      "Description": "Attach to the operators' role to run the repairs",
      "Value": Object {
        "Ref": "OperatorAccessPolicy98D96132",
      },
    },
    "QueueKeyArn": Object {
      "Description": "Encrypts every queue: a consumer needs kms:Decrypt on it",
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventsQueueKey613467D1",
          "Arn",
        ],
      },
    },
    "ReadModelGreenTableName": Object {
      "Description": "The green slot",
      "Value": Object {
        "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefReadModelGreenTable3F4ACFA269E45A2E",
      },
    },
    "ReadModelTableName": Object {
      "Description": "The blue slot: it holds the slot pointer and the rebuild lease",
      "Value": Object {
        "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefReadModelTable152641BFD6D0FA4A",
      },
    },
    "RelayFailureQueueUrl": Object {
      "Description": "Batches the stream mapping gave up on (shard and sequence numbers)",
      "Value": Object {
        "Ref": "StreamRelayFailureQueue0C08D702",
      },
    },
    "RelayParkingQueueUrl": Object {
      "Description": "Records the relay could not publish, with their image",
      "Value": Object {
        "Ref": "StreamRelayParkingQueue7A8D3158",
      },
    },
    "SentMailTableName": Object {
      "Description": "The mailer's ledger: one item per event whose mail was sent",
      "Value": Object {
        "Ref": "MailerSentMails88BFB948",
      },
    },
    "SubscriptionDeadLetterQueueUrlmailer": Object {
      "Description": "mailer: what SNS could not deliver",
      "Value": Object {
        "Ref": "EventsConsumermailerSubscriptionDeadLetterQueueADA3DEF4",
      },
    },
    "SubscriptionDeadLetterQueueUrlprojector": Object {
      "Description": "projector: what SNS could not deliver",
      "Value": Object {
        "Ref": "EventsConsumerprojectorSubscriptionDeadLetterQueueF98AB76D",
      },
    },
  },
  "Parameters": Object {
    "BootstrapVersion": Object {
      "Default": "/cdk-bootstrap/hnb659fds/version",
      "Description": "Version of the CDK Bootstrap resources in this environment, automatically retrieved from SSM Parameter Store. [cdk:skip]",
      "Type": "AWS::SSM::Parameter::Value<String>",
    },
  },
  "Resources": Object {
    "EventsConsumermailerDeadLetterQueue99D77A35": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "FifoQueue": true,
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
        "MessageRetentionPeriod": 1209600,
      },
      "Type": "AWS::SQS::Queue",
      "UpdateReplacePolicy": "Delete",
    },
    "EventsConsumermailerDeadLetterQueuePolicyFE250B58": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sqs:*",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": Object {
                "AWS": "*",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerDeadLetterQueue99D77A35",
                  "Arn",
                ],
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Queues": Array [
          Object {
            "Ref": "EventsConsumermailerDeadLetterQueue99D77A35",
          },
        ],
      },
      "Type": "AWS::SQS::QueuePolicy",
    },
    "EventsConsumermailerQueueD3BFF403": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "DeduplicationScope": "messageGroup",
        "FifoQueue": true,
        "FifoThroughputLimit": "perMessageGroupId",
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
        "MessageRetentionPeriod": 1209600,
        "RedrivePolicy": Object {
          "deadLetterTargetArn": Object {
            "Fn::GetAtt": Array [
              "EventsConsumermailerDeadLetterQueue99D77A35",
              "Arn",
            ],
          },
          "maxReceiveCount": 5,
        },
        "VisibilityTimeout": 180,
      },
      "Type": "AWS::SQS::Queue",
      "UpdateReplacePolicy": "Delete",
    },
    "EventsConsumermailerQueuePolicy7E2EA3B1": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sqs:*",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": Object {
                "AWS": "*",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerQueueD3BFF403",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": "sqs:SendMessage",
              "Condition": Object {
                "ArnEquals": Object {
                  "aws:SourceArn": Object {
                    "Ref": "EventsTopic97220A64",
                  },
                },
              },
              "Effect": "Allow",
              "Principal": Object {
                "Service": "sns.amazonaws.com",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerQueueD3BFF403",
                  "Arn",
                ],
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Queues": Array [
          Object {
            "Ref": "EventsConsumermailerQueueD3BFF403",
          },
        ],
      },
      "Type": "AWS::SQS::QueuePolicy",
    },
    "EventsConsumermailerQueueUserServicedevServiceEventsTopicC0BAA5CB9299BC3B": Object {
      "DependsOn": Array [
        "EventsConsumermailerQueuePolicy7E2EA3B1",
      ],
      "Properties": Object {
        "Endpoint": Object {
          "Fn::GetAtt": Array [
            "EventsConsumermailerQueueD3BFF403",
            "Arn",
          ],
        },
        "Protocol": "sqs",
        "RawMessageDelivery": true,
        "RedrivePolicy": Object {
          "deadLetterTargetArn": Object {
            "Fn::GetAtt": Array [
              "EventsConsumermailerSubscriptionDeadLetterQueueADA3DEF4",
              "Arn",
            ],
          },
        },
        "TopicArn": Object {
          "Ref": "EventsTopic97220A64",
        },
      },
      "Type": "AWS::SNS::Subscription",
    },
    "EventsConsumermailerSubscriptionDeadLetterQueueADA3DEF4": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "FifoQueue": true,
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
        "MessageRetentionPeriod": 1209600,
      },
      "Type": "AWS::SQS::Queue",
      "UpdateReplacePolicy": "Delete",
    },
    "EventsConsumermailerSubscriptionDeadLetterQueuePolicy1C614F43": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sqs:*",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": Object {
                "AWS": "*",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerSubscriptionDeadLetterQueueADA3DEF4",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": "sqs:SendMessage",
              "Condition": Object {
                "ArnEquals": Object {
                  "aws:SourceArn": Object {
                    "Ref": "EventsTopic97220A64",
                  },
                },
              },
              "Effect": "Allow",
              "Principal": Object {
                "Service": "sns.amazonaws.com",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerSubscriptionDeadLetterQueueADA3DEF4",
                  "Arn",
                ],
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Queues": Array [
          Object {
            "Ref": "EventsConsumermailerSubscriptionDeadLetterQueueADA3DEF4",
          },
        ],
      },
      "Type": "AWS::SQS::QueuePolicy",
    },
    "EventsConsumerprojectorDeadLetterQueue5A0E10F1": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "FifoQueue": true,
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
        "MessageRetentionPeriod": 1209600,
      },
      "Type": "AWS::SQS::Queue",
      "UpdateReplacePolicy": "Delete",
    },
    "EventsConsumerprojectorDeadLetterQueuePolicy3240B7A9": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sqs:*",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": Object {
                "AWS": "*",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
                  "Arn",
                ],
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Queues": Array [
          Object {
            "Ref": "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
          },
        ],
      },
      "Type": "AWS::SQS::QueuePolicy",
    },
    "EventsConsumerprojectorQueue078FA593": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "DeduplicationScope": "messageGroup",
        "FifoQueue": true,
        "FifoThroughputLimit": "perMessageGroupId",
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
        "MessageRetentionPeriod": 1209600,
        "RedrivePolicy": Object {
          "deadLetterTargetArn": Object {
            "Fn::GetAtt": Array [
              "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
              "Arn",
            ],
          },
          "maxReceiveCount": 5,
        },
        "VisibilityTimeout": 180,
      },
      "Type": "AWS::SQS::Queue",
      "UpdateReplacePolicy": "Delete",
    },
    "EventsConsumerprojectorQueuePolicy809578E1": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sqs:*",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": Object {
                "AWS": "*",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorQueue078FA593",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": "sqs:SendMessage",
              "Condition": Object {
                "ArnEquals": Object {
                  "aws:SourceArn": Object {
                    "Ref": "EventsTopic97220A64",
                  },
                },
              },
              "Effect": "Allow",
              "Principal": Object {
                "Service": "sns.amazonaws.com",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorQueue078FA593",
                  "Arn",
                ],
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Queues": Array [
          Object {
            "Ref": "EventsConsumerprojectorQueue078FA593",
          },
        ],
      },
      "Type": "AWS::SQS::QueuePolicy",
    },
    "EventsConsumerprojectorQueueUserServicedevServiceEventsTopicC0BAA5CB6A29CA10": Object {
      "DependsOn": Array [
        "EventsConsumerprojectorQueuePolicy809578E1",
      ],
      "Properties": Object {
        "Endpoint": Object {
          "Fn::GetAtt": Array [
            "EventsConsumerprojectorQueue078FA593",
            "Arn",
          ],
        },
        "Protocol": "sqs",
        "RawMessageDelivery": true,
        "RedrivePolicy": Object {
          "deadLetterTargetArn": Object {
            "Fn::GetAtt": Array [
              "EventsConsumerprojectorSubscriptionDeadLetterQueueF98AB76D",
              "Arn",
            ],
          },
        },
        "TopicArn": Object {
          "Ref": "EventsTopic97220A64",
        },
      },
      "Type": "AWS::SNS::Subscription",
    },
    "EventsConsumerprojectorSubscriptionDeadLetterQueueF98AB76D": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "FifoQueue": true,
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
        "MessageRetentionPeriod": 1209600,
      },
      "Type": "AWS::SQS::Queue",
      "UpdateReplacePolicy": "Delete",
    },
    "EventsConsumerprojectorSubscriptionDeadLetterQueuePolicy120B46DF": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sqs:*",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": Object {
                "AWS": "*",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorSubscriptionDeadLetterQueueF98AB76D",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": "sqs:SendMessage",
              "Condition": Object {
                "ArnEquals": Object {
                  "aws:SourceArn": Object {
                    "Ref": "EventsTopic97220A64",
                  },
                },
              },
              "Effect": "Allow",
              "Principal": Object {
                "Service": "sns.amazonaws.com",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorSubscriptionDeadLetterQueueF98AB76D",
                  "Arn",
                ],
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Queues": Array [
          Object {
            "Ref": "EventsConsumerprojectorSubscriptionDeadLetterQueueF98AB76D",
          },
        ],
      },
      "Type": "AWS::SQS::QueuePolicy",
    },
    "EventsQueueKey613467D1": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "Description": "Encrypts the user service event queues, their dead letters, the relay failure and parking queues and alarm notifications",
        "EnableKeyRotation": true,
        "KeyPolicy": Object {
          "Statement": Array [
            Object {
              "Action": "kms:*",
              "Effect": "Allow",
              "Principal": Object {
                "AWS": "arn:aws:iam::123456789012:root",
              },
              "Resource": "*",
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:GenerateDataKey",
              ],
              "Condition": Object {
                "ArnEquals": Object {
                  "aws:SourceArn": Object {
                    "Ref": "EventsTopic97220A64",
                  },
                },
              },
              "Effect": "Allow",
              "Principal": Object {
                "Service": "sns.amazonaws.com",
              },
              "Resource": "*",
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:GenerateDataKey*",
              ],
              "Condition": Object {
                "ArnLike": Object {
                  "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*",
                },
                "StringEquals": Object {
                  "aws:SourceAccount": "123456789012",
                },
              },
              "Effect": "Allow",
              "Principal": Object {
                "Service": "cloudwatch.amazonaws.com",
              },
              "Resource": "*",
            },
          ],
          "Version": "2012-10-17",
        },
      },
      "Type": "AWS::KMS::Key",
      "UpdateReplacePolicy": "Delete",
    },
    "EventsTopic97220A64": Object {
      "Properties": Object {
        "DisplayName": "User service integration events",
        "FifoThroughputScope": "MessageGroup",
        "FifoTopic": true,
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsTopicKey156A8EC3",
            "Arn",
          ],
        },
        "TopicName": "UserServicedevService-Events-Topic-C0BAA5CB.fifo",
      },
      "Type": "AWS::SNS::Topic",
    },
    "EventsTopicKey156A8EC3": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "Description": "Encrypts the user service event topic",
        "EnableKeyRotation": true,
        "KeyPolicy": Object {
          "Statement": Array [
            Object {
              "Action": "kms:*",
              "Effect": "Allow",
              "Principal": Object {
                "AWS": "arn:aws:iam::123456789012:root",
              },
              "Resource": "*",
            },
          ],
          "Version": "2012-10-17",
        },
      },
      "Type": "AWS::KMS::Key",
      "UpdateReplacePolicy": "Delete",
    },
    "EventsTopicPolicy2267B130": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sns:Publish",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": "*",
              "Resource": Object {
                "Ref": "EventsTopic97220A64",
              },
              "Sid": "AllowPublishThroughSSLOnly",
            },
          ],
          "Version": "2012-10-17",
        },
        "Topics": Array [
          Object {
            "Ref": "EventsTopic97220A64",
          },
        ],
      },
      "Type": "AWS::SNS::TopicPolicy",
    },
    "MailerFunction68771276": Object {
      "DependsOn": Array [
        "MailerRoleDefaultPolicyCBF48214",
        "MailerRole66BA8702",
      ],
      "Properties": Object {
        "Architectures": Array [
          "arm64",
        ],
        "Code": Object {
          "S3Bucket": "cdk-hnb659fds-assets-123456789012-eu-west-1",
          "S3Key": "[asset hash].zip",
        },
        "Description": "Sends confirmation and reset mails from the user events of its SQS FIFO queue",
        "Environment": Object {
          "Variables": Object {
            "EVENT_STORE_TABLE": Object {
              "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefEventStoreTable9A84AAAA66CD143F",
            },
            "JWT_SECRET_ARN": Object {
              "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefJwtSecret4F1985F39D1ED6DA",
            },
            "KMS_KEY_ID": Object {
              "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
            },
            "LOG_LEVEL": "debug",
            "MAIL_LEASE_SECONDS": "30",
            "MAILER": "ses",
            "POWERTOOLS_METRICS_NAMESPACE": "UserService",
            "POWERTOOLS_SERVICE_NAME": "mailer",
            "PUBLIC_URL": Object {
              "Fn::Join": Array [
                "",
                Array [
                  "https://",
                  Object {
                    "Ref": "UserServiceApi54E23B5B",
                  },
                  ".execute-api.eu-west-1.",
                  Object {
                    "Ref": "AWS::URLSuffix",
                  },
                  "/",
                ],
              ],
            },
            "SENT_MAIL_TABLE": Object {
              "Ref": "MailerSentMails88BFB948",
            },
            "SES_FROM_ADDRESS": "no-reply@mail.user-service.internal",
          },
        },
        "Handler": "index.handler",
        "LoggingConfig": Object {
          "LogGroup": Object {
            "Ref": "MailerLogs0DE36510",
          },
        },
        "MemorySize": 256,
        "ReservedConcurrentExecutions": 2,
        "Role": Object {
          "Fn::GetAtt": Array [
            "MailerRole66BA8702",
            "Arn",
          ],
        },
        "Runtime": "nodejs22.x",
        "Timeout": 30,
        "TracingConfig": Object {
          "Mode": "Active",
        },
      },
      "Type": "AWS::Lambda::Function",
    },
    "MailerFunctionSqsEventSourceUserServicedevServiceEventsConsumermailerQueue4A25CB26BFDC9813": Object {
      "Properties": Object {
        "BatchSize": 10,
        "EventSourceArn": Object {
          "Fn::GetAtt": Array [
            "EventsConsumermailerQueueD3BFF403",
            "Arn",
          ],
        },
        "FunctionName": Object {
          "Ref": "MailerFunction68771276",
        },
        "FunctionResponseTypes": Array [
          "ReportBatchItemFailures",
        ],
        "ScalingConfig": Object {
          "MaximumConcurrency": 2,
        },
      },
      "Type": "AWS::Lambda::EventSourceMapping",
    },
    "MailerLogs0DE36510": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "RetentionInDays": 7,
      },
      "Type": "AWS::Logs::LogGroup",
      "UpdateReplacePolicy": "Delete",
    },
    "MailerRole66BA8702": Object {
      "Properties": Object {
        "AssumeRolePolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sts:AssumeRole",
              "Effect": "Allow",
              "Principal": Object {
                "Service": "lambda.amazonaws.com",
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Description": "Runs: Sends confirmation and reset mails from the user events of its SQS FIFO queue",
      },
      "Type": "AWS::IAM::Role",
    },
    "MailerRoleDefaultPolicyCBF48214": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": Array [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "MailerLogs0DE36510",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "xray:PutTelemetryRecords",
                "xray:PutTraceSegments",
              ],
              "Effect": "Allow",
              "Resource": "*",
            },
            Object {
              "Action": Array [
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:ReceiveMessage",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerQueueD3BFF403",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": "kms:Decrypt",
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::GetAtt": Array [
                    "EventsQueueKey613467D1",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070",
                },
              ],
            },
            Object {
              "Action": Array [
                "dynamodb:GetItem",
                "dynamodb:Query",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAArn288B7554",
              },
            },
            Object {
              "Action": "kms:Decrypt",
              "Condition": Object {
                "Null": Object {
                  "kms:EncryptionContext:subject": "false",
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
              },
            },
            Object {
              "Action": Array [
                "dynamodb:DeleteItem",
                "dynamodb:PutItem",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "MailerSentMails88BFB948",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefJwtSecret4F1985F39D1ED6DA",
              },
            },
            Object {
              "Action": Array [
                "ses:SendEmail",
                "ses:SendRawEmail",
              ],
              "Effect": "Allow",
              "Resource": Array [
                "arn:aws:ses:eu-west-1:123456789012:identity/mail.user-service.internal",
                "arn:aws:ses:eu-west-1:123456789012:identity/no-reply@mail.user-service.internal",
              ],
            },
          ],
          "Version": "2012-10-17",
        },
        "PolicyName": "MailerRoleDefaultPolicyCBF48214",
        "Roles": Array [
          Object {
            "Ref": "MailerRole66BA8702",
          },
        ],
      },
      "Type": "AWS::IAM::Policy",
    },
    "MailerSentMails88BFB948": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "AttributeDefinitions": Array [
          Object {
            "AttributeName": "eventId",
            "AttributeType": "S",
          },
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": Array [
          Object {
            "AttributeName": "eventId",
            "KeyType": "HASH",
          },
        ],
        "SSESpecification": Object {
          "SSEEnabled": true,
        },
        "TimeToLiveSpecification": Object {
          "AttributeName": "expiresAt",
          "Enabled": true,
        },
      },
      "Type": "AWS::DynamoDB::Table",
      "UpdateReplacePolicy": "Delete",
    },
    "OperationsAlarmTopic909EF7A3": Object {
      "Properties": Object {
        "DisplayName": "User service alarms",
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
      },
      "Type": "AWS::SNS::Topic",
    },
    "OperationsAlarmTopicPolicy8B2C617C": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sns:Publish",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": "*",
              "Resource": Object {
                "Ref": "OperationsAlarmTopic909EF7A3",
              },
              "Sid": "AllowPublishThroughSSLOnly",
            },
            Object {
              "Action": "sns:Publish",
              "Condition": Object {
                "ArnLike": Object {
                  "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*",
                },
                "StringEquals": Object {
                  "aws:SourceAccount": "123456789012",
                },
              },
              "Effect": "Allow",
              "Principal": Object {
                "Service": "cloudwatch.amazonaws.com",
              },
              "Resource": Object {
                "Ref": "OperationsAlarmTopic909EF7A3",
              },
              "Sid": "1",
            },
          ],
          "Version": "2012-10-17",
        },
        "Topics": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
      },
      "Type": "AWS::SNS::TopicPolicy",
    },
    "OperationsApi5xxRate5558D5F1": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "More than 5 % of the API's requests answered 5xx over 5 minutes (counted from 20 requests): the user service's logs, by requestId.",
        "AlarmName": "UserService-dev-Api5xxRate",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "Metrics": Array [
          Object {
            "Expression": "IF(requests >= 20, 100 * errors / requests, 0)",
            "Id": "expr_1",
            "Label": "5xx %",
            "ReturnData": true,
          },
          Object {
            "Id": "errors",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "ApiId",
                    "Value": Object {
                      "Ref": "UserServiceApi54E23B5B",
                    },
                  },
                ],
                "MetricName": "5xx",
                "Namespace": "AWS/ApiGateway",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
          Object {
            "Id": "requests",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "ApiId",
                    "Value": Object {
                      "Ref": "UserServiceApi54E23B5B",
                    },
                  },
                ],
                "MetricName": "Count",
                "Namespace": "AWS/ApiGateway",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
        ],
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Threshold": 5,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDashboardE19B83FC": Object {
      "Properties": Object {
        "DashboardBody": Object {
          "Fn::Join": Array [
            "",
            Array [
              "{\\"start\\":\\"-PT3H\\",\\"widgets\\":[{\\"type\\":\\"alarm\\",\\"width\\":24,\\"height\\":8,\\"x\\":0,\\"y\\":0,\\"properties\\":{\\"title\\":\\"Alarms\\",\\"alarms\\":[\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsRelayIteratorAge51BCF4A6",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsRelayDestinationDeliveryFailuresF2CBD27A",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsRelayRecordsParked7AF7B2D1",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsRelayPublishFailures2E221F04",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDeadLettersrelayfailures54FAACD8",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDeadLettersrelayparkingCA5C3D53",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDeadLettersprojectorAC851DF6",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsSubscriptionDeadLettersprojector24C460AE",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsOldestMessageprojector48D6B144",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsEventsFailedprojector0B4A1F61",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsProjectionLagprojector61605CC4",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDeadLettersmailer723D9FFC",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsSubscriptionDeadLettersmailer5B003B47",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsOldestMessagemailer2BE7ABC0",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsEventsFailedmailer7C0CB462",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsProjectionLagmailerDF97F3CE",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsErrorsuserserviceDE8BF241",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsThrottlesuserserviceDD17A3FB",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsErrorsstreamrelay59ABF34E",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsThrottlesstreamrelay124ABC11",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsErrorsprojector0EA6D488",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsThrottlesprojector9D671F1E",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsErrorsmailer64869C0D",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsThrottlesmailer5C43818A",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDynamoDbThrottleseventstoreB47291BB",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDynamoDbThrottlesreadmodel376DC3D3",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDynamoDbThrottlesreadmodelgreenCA854064",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDynamoDbThrottlesratelimits1B4A893B",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDynamoDbThrottlessentmails8654F6FA",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsApi5xxRate5558D5F1",
                  "Arn",
                ],
              },
              "\\"]}},{\\"type\\":\\"metric\\",\\"width\\":12,\\"height\\":6,\\"x\\":0,\\"y\\":8,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"API: requests and errors\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/ApiGateway\\",\\"Count\\",\\"ApiId\\",\\"",
              Object {
                "Ref": "UserServiceApi54E23B5B",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"SampleCount\\"}],[\\"AWS/ApiGateway\\",\\"4xx\\",\\"ApiId\\",\\"",
              Object {
                "Ref": "UserServiceApi54E23B5B",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/ApiGateway\\",\\"5xx\\",\\"ApiId\\",\\"",
              Object {
                "Ref": "UserServiceApi54E23B5B",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/ApiGateway\\",\\"Latency\\",\\"ApiId\\",\\"",
              Object {
                "Ref": "UserServiceApi54E23B5B",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"p99\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":12,\\"height\\":6,\\"x\\":12,\\"y\\":8,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"Relay: iterator age (ms)\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/Lambda\\",\\"IteratorAge\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "StreamRelayFunctionA4B414DB",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Maximum\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":8,\\"height\\":6,\\"x\\":0,\\"y\\":14,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"user-service: invocations, errors, throttles\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/Lambda\\",\\"Invocations\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "UserServiceFunctionCE800461",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Errors\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "UserServiceFunctionCE800461",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Throttles\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "UserServiceFunctionCE800461",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Duration\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "UserServiceFunctionCE800461",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"p99\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":8,\\"height\\":6,\\"x\\":8,\\"y\\":14,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"stream-relay: invocations, errors, throttles\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/Lambda\\",\\"Invocations\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "StreamRelayFunctionA4B414DB",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Errors\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "StreamRelayFunctionA4B414DB",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Throttles\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "StreamRelayFunctionA4B414DB",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Duration\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "StreamRelayFunctionA4B414DB",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"p99\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":8,\\"height\\":6,\\"x\\":16,\\"y\\":14,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"projector: invocations, errors, throttles\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/Lambda\\",\\"Invocations\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "ProjectorFunction88B3C6A2",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Errors\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "ProjectorFunction88B3C6A2",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Throttles\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "ProjectorFunction88B3C6A2",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Duration\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "ProjectorFunction88B3C6A2",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"p99\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":8,\\"height\\":6,\\"x\\":0,\\"y\\":20,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"mailer: invocations, errors, throttles\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/Lambda\\",\\"Invocations\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "MailerFunction68771276",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Errors\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "MailerFunction68771276",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Throttles\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "MailerFunction68771276",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Duration\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "MailerFunction68771276",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"p99\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":12,\\"height\\":6,\\"x\\":0,\\"y\\":26,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"projector: queue depth and oldest message (s)\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/SQS\\",\\"ApproximateNumberOfMessagesVisible\\",\\"QueueName\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorQueue078FA593",
                  "QueueName",
                ],
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Maximum\\"}],[\\"AWS/SQS\\",\\"ApproximateAgeOfOldestMessage\\",\\"QueueName\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorQueue078FA593",
                  "QueueName",
                ],
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Maximum\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":12,\\"height\\":6,\\"x\\":12,\\"y\\":26,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"mailer: queue depth and oldest message (s)\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/SQS\\",\\"ApproximateNumberOfMessagesVisible\\",\\"QueueName\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerQueueD3BFF403",
                  "QueueName",
                ],
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Maximum\\"}],[\\"AWS/SQS\\",\\"ApproximateAgeOfOldestMessage\\",\\"QueueName\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerQueueD3BFF403",
                  "QueueName",
                ],
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Maximum\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":24,\\"height\\":6,\\"x\\":0,\\"y\\":32,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"Dead letters\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/SQS\\",\\"ApproximateNumberOfMessagesVisible\\",\\"QueueName\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "StreamRelayFailureQueue0C08D702",
                  "QueueName",
                ],
              },
              "\\",{\\"label\\":\\"relay-failures\\",\\"period\\":60,\\"stat\\":\\"Maximum\\"}],[\\"AWS/SQS\\",\\"ApproximateNumberOfMessagesVisible\\",\\"QueueName\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "StreamRelayParkingQueue7A8D3158",
                  "QueueName",
                ],
              },
              "\\",{\\"label\\":\\"relay-parking\\",\\"period\\":60,\\"stat\\":\\"Maximum\\"}],[\\"AWS/SQS\\",\\"ApproximateNumberOfMessagesVisible\\",\\"QueueName\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
                  "QueueName",
                ],
              },
              "\\",{\\"label\\":\\"projector\\",\\"period\\":60,\\"stat\\":\\"Maximum\\"}],[\\"AWS/SQS\\",\\"ApproximateNumberOfMessagesVisible\\",\\"QueueName\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerDeadLetterQueue99D77A35",
                  "QueueName",
                ],
              },
              "\\",{\\"label\\":\\"mailer\\",\\"period\\":60,\\"stat\\":\\"Maximum\\"}]],\\"yAxis\\":{}}}]}",
            ],
          ],
        },
      },
      "Type": "AWS::CloudWatch::Dashboard",
    },
    "OperationsDeadLettersmailer723D9FFC": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "Messages are in the mailer dead-letter queue (failed 5 times): fix the cause, then pnpm redrive --consumer mailer.",
        "AlarmName": "UserService-dev-DeadLetters-mailer",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "QueueName",
            "Value": Object {
              "Fn::GetAtt": Array [
                "EventsConsumermailerDeadLetterQueue99D77A35",
                "QueueName",
              ],
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Namespace": "AWS/SQS",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDeadLettersprojectorAC851DF6": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "Messages are in the projector dead-letter queue (failed 5 times): fix the cause, then pnpm redrive --consumer projector.",
        "AlarmName": "UserService-dev-DeadLetters-projector",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "QueueName",
            "Value": Object {
              "Fn::GetAtt": Array [
                "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
                "QueueName",
              ],
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Namespace": "AWS/SQS",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDeadLettersrelayfailures54FAACD8": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "Messages are waiting in the relay-failures queue: inspect them, fix the cause, then act.",
        "AlarmName": "UserService-dev-DeadLetters-relay-failures",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "QueueName",
            "Value": Object {
              "Fn::GetAtt": Array [
                "StreamRelayFailureQueue0C08D702",
                "QueueName",
              ],
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Namespace": "AWS/SQS",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDeadLettersrelayparkingCA5C3D53": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "Messages are waiting in the relay-parking queue: inspect them, fix the cause, then act.",
        "AlarmName": "UserService-dev-DeadLetters-relay-parking",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "QueueName",
            "Value": Object {
              "Fn::GetAtt": Array [
                "StreamRelayParkingQueue7A8D3158",
                "QueueName",
              ],
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Namespace": "AWS/SQS",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDynamoDbThrottleseventstoreB47291BB": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "DynamoDB throttled reads or writes of the event-store table (an on-demand table past its previous peak, or a hot key).",
        "AlarmName": "UserService-dev-DynamoDbThrottles-event-store",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "Metrics": Array [
          Object {
            "Expression": "reads + writes",
            "Id": "expr_1",
            "Label": "event-store throttled requests",
            "ReturnData": true,
          },
          Object {
            "Id": "reads",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefEventStoreTable9A84AAAA66CD143F",
                    },
                  },
                ],
                "MetricName": "ReadThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
          Object {
            "Id": "writes",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefEventStoreTable9A84AAAA66CD143F",
                    },
                  },
                ],
                "MetricName": "WriteThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
        ],
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDynamoDbThrottlesratelimits1B4A893B": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "DynamoDB throttled reads or writes of the rate-limits table (an on-demand table past its previous peak, or a hot key).",
        "AlarmName": "UserService-dev-DynamoDbThrottles-rate-limits",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "Metrics": Array [
          Object {
            "Expression": "reads + writes",
            "Id": "expr_1",
            "Label": "rate-limits throttled requests",
            "ReturnData": true,
          },
          Object {
            "Id": "reads",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Ref": "RateLimitsTable29A563C1",
                    },
                  },
                ],
                "MetricName": "ReadThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
          Object {
            "Id": "writes",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Ref": "RateLimitsTable29A563C1",
                    },
                  },
                ],
                "MetricName": "WriteThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
        ],
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDynamoDbThrottlesreadmodel376DC3D3": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "DynamoDB throttled reads or writes of the read-model table (an on-demand table past its previous peak, or a hot key).",
        "AlarmName": "UserService-dev-DynamoDbThrottles-read-model",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "Metrics": Array [
          Object {
            "Expression": "reads + writes",
            "Id": "expr_1",
            "Label": "read-model throttled requests",
            "ReturnData": true,
          },
          Object {
            "Id": "reads",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefReadModelTable152641BFD6D0FA4A",
                    },
                  },
                ],
                "MetricName": "ReadThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
          Object {
            "Id": "writes",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefReadModelTable152641BFD6D0FA4A",
                    },
                  },
                ],
                "MetricName": "WriteThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
        ],
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDynamoDbThrottlesreadmodelgreenCA854064": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "DynamoDB throttled reads or writes of the read-model-green table (an on-demand table past its previous peak, or a hot key).",
        "AlarmName": "UserService-dev-DynamoDbThrottles-read-model-green",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "Metrics": Array [
          Object {
            "Expression": "reads + writes",
            "Id": "expr_1",
            "Label": "read-model-green throttled requests",
            "ReturnData": true,
          },
          Object {
            "Id": "reads",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefReadModelGreenTable3F4ACFA269E45A2E",
                    },
                  },
                ],
                "MetricName": "ReadThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
          Object {
            "Id": "writes",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefReadModelGreenTable3F4ACFA269E45A2E",
                    },
                  },
                ],
                "MetricName": "WriteThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
        ],
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDynamoDbThrottlessentmails8654F6FA": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "DynamoDB throttled reads or writes of the sent-mails table (an on-demand table past its previous peak, or a hot key).",
        "AlarmName": "UserService-dev-DynamoDbThrottles-sent-mails",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "Metrics": Array [
          Object {
            "Expression": "reads + writes",
            "Id": "expr_1",
            "Label": "sent-mails throttled requests",
            "ReturnData": true,
          },
          Object {
            "Id": "reads",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Ref": "MailerSentMails88BFB948",
                    },
                  },
                ],
                "MetricName": "ReadThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
          Object {
            "Id": "writes",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Ref": "MailerSentMails88BFB948",
                    },
                  },
                ],
                "MetricName": "WriteThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
        ],
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsErrorsmailer64869C0D": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The mailer function failed invocations: its logs.",
        "AlarmName": "UserService-dev-Errors-mailer",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "MailerFunction68771276",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "Errors",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsErrorsprojector0EA6D488": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The projector function failed invocations: its logs.",
        "AlarmName": "UserService-dev-Errors-projector",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "ProjectorFunction88B3C6A2",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "Errors",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsErrorsstreamrelay59ABF34E": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The stream-relay function failed invocations: its logs.",
        "AlarmName": "UserService-dev-Errors-stream-relay",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "StreamRelayFunctionA4B414DB",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "Errors",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsErrorsuserserviceDE8BF241": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The user-service function failed invocations: its logs.",
        "AlarmName": "UserService-dev-Errors-user-service",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "UserServiceFunctionCE800461",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "Errors",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsEventsFailedmailer7C0CB462": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The mailer consumer failed to process events (they are retried, then dead-lettered): its logs.",
        "AlarmName": "UserService-dev-EventsFailed-mailer",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "service",
            "Value": "mailer",
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "EventsFailed",
        "Namespace": "UserService",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsEventsFailedprojector0B4A1F61": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The projector consumer failed to process events (they are retried, then dead-lettered): its logs.",
        "AlarmName": "UserService-dev-EventsFailed-projector",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "service",
            "Value": "projector",
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "EventsFailed",
        "Namespace": "UserService",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsOldestMessagemailer2BE7ABC0": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The mailer queue holds a message older than 15 minutes: its consumer is down or too slow.",
        "AlarmName": "UserService-dev-OldestMessage-mailer",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "QueueName",
            "Value": Object {
              "Fn::GetAtt": Array [
                "EventsConsumermailerQueueD3BFF403",
                "QueueName",
              ],
            },
          },
        ],
        "EvaluationPeriods": 3,
        "MetricName": "ApproximateAgeOfOldestMessage",
        "Namespace": "AWS/SQS",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 900,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsOldestMessageprojector48D6B144": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The projector queue holds a message older than 15 minutes: its consumer is down or too slow.",
        "AlarmName": "UserService-dev-OldestMessage-projector",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "QueueName",
            "Value": Object {
              "Fn::GetAtt": Array [
                "EventsConsumerprojectorQueue078FA593",
                "QueueName",
              ],
            },
          },
        ],
        "EvaluationPeriods": 3,
        "MetricName": "ApproximateAgeOfOldestMessage",
        "Namespace": "AWS/SQS",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 900,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsProjectionLagmailerDF97F3CE": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "An event took more than 1 minute from append to the mailer consumer.",
        "AlarmName": "UserService-dev-ProjectionLag-mailer",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "service",
            "Value": "mailer",
          },
        ],
        "EvaluationPeriods": 2,
        "MetricName": "ProjectionLagMs",
        "Namespace": "UserService",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Maximum",
        "Threshold": 60000,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsProjectionLagprojector61605CC4": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "An event took more than 1 minute from append to the projector consumer.",
        "AlarmName": "UserService-dev-ProjectionLag-projector",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "service",
            "Value": "projector",
          },
        ],
        "EvaluationPeriods": 2,
        "MetricName": "ProjectionLagMs",
        "Namespace": "UserService",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Maximum",
        "Threshold": 60000,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsRelayDestinationDeliveryFailuresF2CBD27A": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The stream mapping could not record an expired batch in the relay's failure queue: those records are known only from the event store now. Run pnpm republish for the period.",
        "AlarmName": "UserService-dev-RelayDestinationDeliveryFailures",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "StreamRelayFunctionA4B414DB",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "DestinationDeliveryFailures",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsRelayIteratorAge51BCF4A6": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The stream relay is more than 5 minutes behind the event store (SNS or KMS failing or throttled, or the relay failing): see infra/README.md, \\"The relay was down\\".",
        "AlarmName": "UserService-dev-RelayIteratorAge",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "StreamRelayFunctionA4B414DB",
            },
          },
        ],
        "EvaluationPeriods": 3,
        "MetricName": "IteratorAge",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 300000,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsRelayPublishFailures2E221F04": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The relay failed to publish to SNS for 15 minutes: it retries until the records are 24 hours old.",
        "AlarmName": "UserService-dev-RelayPublishFailures",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "service",
            "Value": "stream-relay",
          },
        ],
        "EvaluationPeriods": 3,
        "MetricName": "PublishFailures",
        "Namespace": "UserService",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsRelayRecordsParked7AF7B2D1": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The relay parked stream records it could not turn into messages: read them in the parking queue.",
        "AlarmName": "UserService-dev-RelayRecordsParked",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "service",
            "Value": "stream-relay",
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "RecordsParked",
        "Namespace": "UserService",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsSubscriptionDeadLettersmailer5B003B47": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "SNS could not deliver events to the mailer queue (its key or policy): fix it, then pnpm republish for the period.",
        "AlarmName": "UserService-dev-SubscriptionDeadLetters-mailer",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "QueueName",
            "Value": Object {
              "Fn::GetAtt": Array [
                "EventsConsumermailerSubscriptionDeadLetterQueueADA3DEF4",
                "QueueName",
              ],
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Namespace": "AWS/SQS",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsSubscriptionDeadLettersprojector24C460AE": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "SNS could not deliver events to the projector queue (its key or policy): fix it, then pnpm republish for the period.",
        "AlarmName": "UserService-dev-SubscriptionDeadLetters-projector",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "QueueName",
            "Value": Object {
              "Fn::GetAtt": Array [
                "EventsConsumerprojectorSubscriptionDeadLetterQueueF98AB76D",
                "QueueName",
              ],
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Namespace": "AWS/SQS",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsThrottlesmailer5C43818A": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The mailer function was throttled: its reserved concurrency or the account's limit is too low.",
        "AlarmName": "UserService-dev-Throttles-mailer",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "MailerFunction68771276",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "Throttles",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsThrottlesprojector9D671F1E": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The projector function was throttled: its reserved concurrency or the account's limit is too low.",
        "AlarmName": "UserService-dev-Throttles-projector",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "ProjectorFunction88B3C6A2",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "Throttles",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsThrottlesstreamrelay124ABC11": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The stream-relay function was throttled: its reserved concurrency or the account's limit is too low.",
        "AlarmName": "UserService-dev-Throttles-stream-relay",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "StreamRelayFunctionA4B414DB",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "Throttles",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsThrottlesuserserviceDD17A3FB": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The user-service function was throttled: its reserved concurrency or the account's limit is too low.",
        "AlarmName": "UserService-dev-Throttles-user-service",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "UserServiceFunctionCE800461",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "Throttles",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperatorAccessPolicy98D96132": Object {
      "Properties": Object {
        "Description": "User service operators: pnpm redrive, projection-status, republish and rebuild-read-model against AWS",
        "Path": "/",
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": Array [
                "sqs:CancelMessageMoveTask",
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:ListMessageMoveTasks",
                "sqs:ReceiveMessage",
                "sqs:StartMessageMoveTask",
              ],
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumermailerDeadLetterQueue99D77A35",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
                    "Arn",
                  ],
                },
              ],
              "Sid": "RedriveFromDeadLetterQueues",
            },
            Object {
              "Action": "sqs:SendMessage",
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumermailerQueueD3BFF403",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumerprojectorQueue078FA593",
                    "Arn",
                  ],
                },
              ],
              "Sid": "RedriveIntoConsumerQueues",
            },
            Object {
              "Action": Array [
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
              ],
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumermailerDeadLetterQueue99D77A35",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumermailerQueueD3BFF403",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumermailerSubscriptionDeadLetterQueueADA3DEF4",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumerprojectorQueue078FA593",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumerprojectorSubscriptionDeadLetterQueueF98AB76D",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "StreamRelayFailureQueue0C08D702",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "StreamRelayParkingQueue7A8D3158",
                    "Arn",
                  ],
                },
              ],
              "Sid": "InspectQueues",
            },
            Object {
              "Action": "dynamodb:GetItem",
              "Condition": Object {
                "ForAllValues:StringLike": Object {
                  "dynamodb:LeadingKeys": Array [
                    "control#*",
                  ],
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttReadModelTable152641BFArn9BBBC704",
              },
              "Sid": "ReadReadModelControlItems",
            },
            Object {
              "Action": "cloudwatch:GetMetricData",
              "Effect": "Allow",
              "Resource": "*",
              "Sid": "ReadLag",
            },
            Object {
              "Action": Array [
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:Query",
                "dynamodb:Scan",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAArn288B7554",
              },
              "Sid": "ReadEventStore",
            },
            Object {
              "Action": "sns:Publish",
              "Effect": "Allow",
              "Resource": Object {
                "Ref": "EventsTopic97220A64",
              },
              "Sid": "Republish",
            },
            Object {
              "Action": Array [
                "dynamodb:BatchWriteItem",
                "dynamodb:DeleteItem",
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:Query",
                "dynamodb:Scan",
                "dynamodb:UpdateItem",
              ],
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttReadModelGreenTable3F4ACFA2Arn8803ECEE",
                },
                Object {
                  "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttReadModelTable152641BFArn9BBBC704",
                },
              ],
              "Sid": "RebuildReadModel",
            },
            Object {
              "Action": "kms:Decrypt",
              "Condition": Object {
                "Null": Object {
                  "kms:EncryptionContext:subject": "false",
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
              },
              "Sid": "UnwrapUserDataKeys",
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:GenerateDataKey",
              ],
              "Condition": Object {
                "StringEquals": Object {
                  "kms:ViaService": Object {
                    "Fn::Join": Array [
                      "",
                      Array [
                        "sqs.eu-west-1.",
                        Object {
                          "Ref": "AWS::URLSuffix",
                        },
                      ],
                    ],
                  },
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsQueueKey613467D1",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:GenerateDataKey",
              ],
              "Condition": Object {
                "StringEquals": Object {
                  "kms:ViaService": Object {
                    "Fn::Join": Array [
                      "",
                      Array [
                        "sns.eu-west-1.",
                        Object {
                          "Ref": "AWS::URLSuffix",
                        },
                      ],
                    ],
                  },
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsTopicKey156A8EC3",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey",
              ],
              "Condition": Object {
                "StringEquals": Object {
                  "kms:ViaService": Object {
                    "Fn::Join": Array [
                      "",
                      Array [
                        "dynamodb.eu-west-1.",
                        Object {
                          "Ref": "AWS::URLSuffix",
                        },
                      ],
                    ],
                  },
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070",
              },
            },
          ],
          "Version": "2012-10-17",
        },
      },
      "Type": "AWS::IAM::ManagedPolicy",
    },
    "ProjectorFunction88B3C6A2": Object {
      "DependsOn": Array [
        "ProjectorRoleDefaultPolicyC5A705E6",
        "ProjectorRole1E7873EF",
      ],
      "Properties": Object {
        "Architectures": Array [
          "arm64",
        ],
        "Code": Object {
          "S3Bucket": "cdk-hnb659fds-assets-123456789012-eu-west-1",
          "S3Key": "[asset hash].zip",
        },
        "Description": "Projects user events from its SQS FIFO queue into the user read model",
        "Environment": Object {
          "Variables": Object {
            "EVENT_STORE": "dynamodb",
            "EVENT_STORE_TABLE": Object {
              "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefEventStoreTable9A84AAAA66CD143F",
            },
            "KMS_KEY_ID": Object {
              "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
            },
            "LOG_LEVEL": "debug",
            "POWERTOOLS_METRICS_NAMESPACE": "UserService",
            "POWERTOOLS_SERVICE_NAME": "projector",
            "READ_MODEL": "dynamodb",
            "READ_MODEL_GREEN_TABLE": Object {
              "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefReadModelGreenTable3F4ACFA269E45A2E",
            },
            "READ_MODEL_TABLE": Object {
              "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefReadModelTable152641BFD6D0FA4A",
            },
          },
        },
        "Handler": "index.handler",
        "LoggingConfig": Object {
          "LogGroup": Object {
            "Ref": "ProjectorLogsA7F2FDAB",
          },
        },
        "MemorySize": 256,
        "ReservedConcurrentExecutions": 2,
        "Role": Object {
          "Fn::GetAtt": Array [
            "ProjectorRole1E7873EF",
            "Arn",
          ],
        },
        "Runtime": "nodejs22.x",
        "Timeout": 30,
        "TracingConfig": Object {
          "Mode": "Active",
        },
      },
      "Type": "AWS::Lambda::Function",
    },
    "ProjectorFunctionSqsEventSourceUserServicedevServiceEventsConsumerprojectorQueue501083181E9158C5": Object {
      "Properties": Object {
        "BatchSize": 10,
        "EventSourceArn": Object {
          "Fn::GetAtt": Array [
            "EventsConsumerprojectorQueue078FA593",
            "Arn",
          ],
        },
        "FunctionName": Object {
          "Ref": "ProjectorFunction88B3C6A2",
        },
        "FunctionResponseTypes": Array [
          "ReportBatchItemFailures",
        ],
        "ScalingConfig": Object {
          "MaximumConcurrency": 2,
        },
      },
      "Type": "AWS::Lambda::EventSourceMapping",
    },
    "ProjectorLogsA7F2FDAB": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "RetentionInDays": 7,
      },
      "Type": "AWS::Logs::LogGroup",
      "UpdateReplacePolicy": "Delete",
    },
    "ProjectorRole1E7873EF": Object {
      "Properties": Object {
        "AssumeRolePolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sts:AssumeRole",
              "Effect": "Allow",
              "Principal": Object {
                "Service": "lambda.amazonaws.com",
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Description": "Runs: Projects user events from its SQS FIFO queue into the user read model",
      },
      "Type": "AWS::IAM::Role",
    },
    "ProjectorRoleDefaultPolicyC5A705E6": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": Array [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "ProjectorLogsA7F2FDAB",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "xray:PutTelemetryRecords",
                "xray:PutTraceSegments",
              ],
              "Effect": "Allow",
              "Resource": "*",
            },
            Object {
              "Action": Array [
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:ReceiveMessage",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorQueue078FA593",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": "kms:Decrypt",
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::GetAtt": Array [
                    "EventsQueueKey613467D1",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070",
                },
              ],
            },
            Object {
              "Action": Array [
                "dynamodb:BatchGetItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:ConditionCheckItem",
                "dynamodb:DeleteItem",
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:PutItem",
                "dynamodb:Query",
                "dynamodb:Scan",
                "dynamodb:UpdateItem",
              ],
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttReadModelGreenTable3F4ACFA2Arn8803ECEE",
                },
                Object {
                  "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttReadModelTable152641BFArn9BBBC704",
                },
              ],
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070",
              },
            },
            Object {
              "Action": Array [
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:Query",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAArn288B7554",
              },
            },
            Object {
              "Action": "kms:Decrypt",
              "Condition": Object {
                "Null": Object {
                  "kms:EncryptionContext:subject": "false",
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "PolicyName": "ProjectorRoleDefaultPolicyC5A705E6",
        "Roles": Array [
          Object {
            "Ref": "ProjectorRole1E7873EF",
          },
        ],
      },
      "Type": "AWS::IAM::Policy",
    },
    "RateLimitsTable29A563C1": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "AttributeDefinitions": Array [
          Object {
            "AttributeName": "key",
            "AttributeType": "S",
          },
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": Array [
          Object {
            "AttributeName": "key",
            "KeyType": "HASH",
          },
        ],
        "SSESpecification": Object {
          "SSEEnabled": true,
        },
        "TimeToLiveSpecification": Object {
          "AttributeName": "expiresAt",
          "Enabled": true,
        },
      },
      "Type": "AWS::DynamoDB::Table",
      "UpdateReplacePolicy": "Delete",
    },
    "StreamRelayFailureQueue0C08D702": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
        "MessageRetentionPeriod": 1209600,
      },
      "Type": "AWS::SQS::Queue",
      "UpdateReplacePolicy": "Delete",
    },
    "StreamRelayFailureQueuePolicyF5FB79E2": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sqs:*",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": Object {
                "AWS": "*",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "StreamRelayFailureQueue0C08D702",
                  "Arn",
                ],
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Queues": Array [
          Object {
            "Ref": "StreamRelayFailureQueue0C08D702",
          },
        ],
      },
      "Type": "AWS::SQS::QueuePolicy",
    },
    "StreamRelayFunctionA4B414DB": Object {
      "DependsOn": Array [
        "StreamRelayRoleDefaultPolicyD72B1C59",
        "StreamRelayRoleB1F239C1",
      ],
      "Properties": Object {
        "Architectures": Array [
          "arm64",
        ],
        "Code": Object {
          "S3Bucket": "cdk-hnb659fds-assets-123456789012-eu-west-1",
          "S3Key": "[asset hash].zip",
        },
        "Description": "Relays inserted events from the event-store stream to the SNS FIFO topic",
        "Environment": Object {
          "Variables": Object {
            "EVENT_STORE_TABLE": Object {
              "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefEventStoreTable9A84AAAA66CD143F",
            },
            "KMS_KEY_ID": Object {
              "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
            },
            "LOG_LEVEL": "debug",
            "PARKING_QUEUE_URL": Object {
              "Ref": "StreamRelayParkingQueue7A8D3158",
            },
            "POWERTOOLS_METRICS_NAMESPACE": "UserService",
            "POWERTOOLS_SERVICE_NAME": "stream-relay",
            "TOPIC_ARN": Object {
              "Ref": "EventsTopic97220A64",
            },
          },
        },
        "Handler": "index.handler",
        "LoggingConfig": Object {
          "LogGroup": Object {
            "Ref": "StreamRelayLogs6B2690F6",
          },
        },
        "MemorySize": 256,
        "ReservedConcurrentExecutions": 2,
        "Role": Object {
          "Fn::GetAtt": Array [
            "StreamRelayRoleB1F239C1",
            "Arn",
          ],
        },
        "Runtime": "nodejs22.x",
        "Timeout": 60,
        "TracingConfig": Object {
          "Mode": "Active",
        },
      },
      "Type": "AWS::Lambda::Function",
    },
    "StreamRelayFunctionDynamoDBEventSourceUserServicedevStatefulEventStoreTable124C230DA5B3CF35": Object {
      "Properties": Object {
        "BatchSize": 100,
        "BisectBatchOnFunctionError": true,
        "DestinationConfig": Object {
          "OnFailure": Object {
            "Destination": Object {
              "Fn::GetAtt": Array [
                "StreamRelayFailureQueue0C08D702",
                "Arn",
              ],
            },
          },
        },
        "EventSourceArn": Object {
          "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAStreamArnE9E4C6DB",
        },
        "FilterCriteria": Object {
          "Filters": Array [
            Object {
              "Pattern": "{\\"eventName\\":[\\"INSERT\\"],\\"dynamodb\\":{\\"NewImage\\":{\\"itemType\\":{\\"S\\":[\\"event\\"]}}}}",
            },
          ],
        },
        "FunctionName": Object {
          "Ref": "StreamRelayFunctionA4B414DB",
        },
        "FunctionResponseTypes": Array [
          "ReportBatchItemFailures",
        ],
        "MaximumRecordAgeInSeconds": 86400,
        "MaximumRetryAttempts": -1,
        "StartingPosition": "TRIM_HORIZON",
      },
      "Type": "AWS::Lambda::EventSourceMapping",
    },
    "StreamRelayLogs6B2690F6": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "RetentionInDays": 7,
      },
      "Type": "AWS::Logs::LogGroup",
      "UpdateReplacePolicy": "Delete",
    },
    "StreamRelayParkingQueue7A8D3158": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
        "MessageRetentionPeriod": 1209600,
      },
      "Type": "AWS::SQS::Queue",
      "UpdateReplacePolicy": "Delete",
    },
    "StreamRelayParkingQueuePolicyCB524F09": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sqs:*",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": Object {
                "AWS": "*",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "StreamRelayParkingQueue7A8D3158",
                  "Arn",
                ],
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Queues": Array [
          Object {
            "Ref": "StreamRelayParkingQueue7A8D3158",
          },
        ],
      },
      "Type": "AWS::SQS::QueuePolicy",
    },
    "StreamRelayRoleB1F239C1": Object {
      "Properties": Object {
        "AssumeRolePolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sts:AssumeRole",
              "Effect": "Allow",
              "Principal": Object {
                "Service": "lambda.amazonaws.com",
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Description": "Runs: Relays inserted events from the event-store stream to the SNS FIFO topic",
      },
      "Type": "AWS::IAM::Role",
    },
    "StreamRelayRoleDefaultPolicyD72B1C59": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": Array [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "StreamRelayLogs6B2690F6",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "dynamodb:ListStreams",
                "xray:PutTelemetryRecords",
                "xray:PutTraceSegments",
              ],
              "Effect": "Allow",
              "Resource": "*",
            },
            Object {
              "Action": Array [
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:SendMessage",
              ],
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::GetAtt": Array [
                    "StreamRelayFailureQueue0C08D702",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "StreamRelayParkingQueue7A8D3158",
                    "Arn",
                  ],
                },
              ],
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:GenerateDataKey",
              ],
              "Condition": Object {
                "StringEquals": Object {
                  "kms:ViaService": Object {
                    "Fn::Join": Array [
                      "",
                      Array [
                        "sqs.eu-west-1.",
                        Object {
                          "Ref": "AWS::URLSuffix",
                        },
                      ],
                    ],
                  },
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsQueueKey613467D1",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:DescribeKey",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070",
              },
            },
            Object {
              "Action": Array [
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAStreamArnE9E4C6DB",
              },
            },
            Object {
              "Action": "sns:Publish",
              "Effect": "Allow",
              "Resource": Object {
                "Ref": "EventsTopic97220A64",
              },
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:GenerateDataKey",
              ],
              "Condition": Object {
                "StringEquals": Object {
                  "kms:ViaService": Object {
                    "Fn::Join": Array [
                      "",
                      Array [
                        "sns.eu-west-1.",
                        Object {
                          "Ref": "AWS::URLSuffix",
                        },
                      ],
                    ],
                  },
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsTopicKey156A8EC3",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": "dynamodb:GetItem",
              "Condition": Object {
                "ForAllValues:StringLike": Object {
                  "dynamodb:LeadingKeys": Array [
                    "key#*",
                  ],
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAArn288B7554",
              },
            },
            Object {
              "Action": "kms:Decrypt",
              "Condition": Object {
                "Null": Object {
                  "kms:EncryptionContext:subject": "false",
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "PolicyName": "StreamRelayRoleDefaultPolicyD72B1C59",
        "Roles": Array [
          Object {
            "Ref": "StreamRelayRoleB1F239C1",
          },
        ],
      },
      "Type": "AWS::IAM::Policy",
    },
    "UserServiceAccessLogs83E2AF6C": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "RetentionInDays": 7,
      },
      "Type": "AWS::Logs::LogGroup",
      "UpdateReplacePolicy": "Delete",
    },
    "UserServiceApi54E23B5B": Object {
      "Properties": Object {
        "Description": "User service",
        "Name": "Api",
        "ProtocolType": "HTTP",
      },
      "Type": "AWS::ApiGatewayV2::Api",
    },
    "UserServiceDefaultRoute50DE89BE": Object {
      "Properties": Object {
        "ApiId": Object {
          "Ref": "UserServiceApi54E23B5B",
        },
        "AuthorizationType": "NONE",
        "RouteKey": "$default",
        "Target": Object {
          "Fn::Join": Array [
            "",
            Array [
              "integrations/",
              Object {
                "Ref": "UserServiceDefaultRouteServiceBEA1554A",
              },
            ],
          ],
        },
      },
      "Type": "AWS::ApiGatewayV2::Route",
    },
    "UserServiceDefaultRouteServiceBEA1554A": Object {
      "Properties": Object {
        "ApiId": Object {
          "Ref": "UserServiceApi54E23B5B",
        },
        "IntegrationType": "AWS_PROXY",
        "IntegrationUri": Object {
          "Fn::GetAtt": Array [
            "UserServiceFunctionCE800461",
            "Arn",
          ],
        },
        "PayloadFormatVersion": "2.0",
      },
      "Type": "AWS::ApiGatewayV2::Integration",
    },
    "UserServiceDefaultRouteServicePermissionEFD7AAB5": Object {
      "Properties": Object {
        "Action": "lambda:InvokeFunction",
        "FunctionName": Object {
          "Fn::GetAtt": Array [
            "UserServiceFunctionCE800461",
            "Arn",
          ],
        },
        "Principal": "apigateway.amazonaws.com",
        "SourceArn": Object {
          "Fn::Join": Array [
            "",
            Array [
              "arn:aws:execute-api:eu-west-1:123456789012:",
              Object {
                "Ref": "UserServiceApi54E23B5B",
              },
              "/*/*",
            ],
          ],
        },
      },
      "Type": "AWS::Lambda::Permission",
    },
    "UserServiceFunctionCE800461": Object {
      "DependsOn": Array [
        "UserServiceRoleDefaultPolicy7831ACAB",
        "UserServiceRole513200BD",
      ],
      "Properties": Object {
        "Architectures": Array [
          "arm64",
        ],
        "Code": Object {
          "S3Bucket": "cdk-hnb659fds-assets-123456789012-eu-west-1",
          "S3Key": "[asset hash].zip",
        },
        "Description": "The user service HTTP API (Fastify)",
        "Environment": Object {
          "Variables": Object {
            "EVENT_STORE_TABLE": Object {
              "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefEventStoreTable9A84AAAA66CD143F",
            },
            "JWT_SECRET_ARN": Object {
              "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefJwtSecret4F1985F39D1ED6DA",
            },
            "KMS_KEY_ID": Object {
              "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
            },
            "LOG_LEVEL": "debug",
            "MAILER": "ses",
            "POWERTOOLS_METRICS_NAMESPACE": "UserService",
            "POWERTOOLS_SERVICE_NAME": "user-service",
            "PUBLIC_URL": Object {
              "Fn::Join": Array [
                "",
                Array [
                  "https://",
                  Object {
                    "Ref": "UserServiceApi54E23B5B",
                  },
                  ".execute-api.eu-west-1.",
                  Object {
                    "Ref": "AWS::URLSuffix",
                  },
                  "/",
                ],
              ],
            },
            "RATE_LIMIT_TABLE": Object {
              "Ref": "RateLimitsTable29A563C1",
            },
            "READ_MODEL_GREEN_TABLE": Object {
              "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefReadModelGreenTable3F4ACFA269E45A2E",
            },
            "READ_MODEL_TABLE": Object {
              "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefReadModelTable152641BFD6D0FA4A",
            },
            "SES_FROM_ADDRESS": "no-reply@mail.user-service.internal",
            "STORAGE": "dynamodb",
            "TRUST_PROXY": "false",
          },
        },
        "Handler": "index.handler",
        "LoggingConfig": Object {
          "LogGroup": Object {
            "Ref": "UserServiceLogs0C1A6486",
          },
        },
        "MemorySize": 1024,
        "Role": Object {
          "Fn::GetAtt": Array [
            "UserServiceRole513200BD",
            "Arn",
          ],
        },
        "Runtime": "nodejs22.x",
        "Timeout": 29,
        "TracingConfig": Object {
          "Mode": "Active",
        },
      },
      "Type": "AWS::Lambda::Function",
    },
    "UserServiceLogs0C1A6486": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "RetentionInDays": 7,
      },
      "Type": "AWS::Logs::LogGroup",
      "UpdateReplacePolicy": "Delete",
    },
    "UserServiceRole513200BD": Object {
      "Properties": Object {
        "AssumeRolePolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sts:AssumeRole",
              "Effect": "Allow",
              "Principal": Object {
                "Service": "lambda.amazonaws.com",
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Description": "Runs: The user service HTTP API (Fastify)",
      },
      "Type": "AWS::IAM::Role",
    },
    "UserServiceRoleDefaultPolicy7831ACAB": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": Array [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "UserServiceLogs0C1A6486",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "xray:PutTelemetryRecords",
                "xray:PutTraceSegments",
              ],
              "Effect": "Allow",
              "Resource": "*",
            },
            Object {
              "Action": Array [
                "dynamodb:BatchGetItem",
                "dynamodb:ConditionCheckItem",
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:Query",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAArn288B7554",
              },
            },
            Object {
              "Action": "dynamodb:DeleteItem",
              "Condition": Object {
                "ForAllValues:StringLike": Object {
                  "dynamodb:LeadingKeys": Array [
                    "claim#*",
                    "idempotency#*",
                  ],
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAArn288B7554",
              },
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
              ],
              "Condition": Object {
                "StringEquals": Object {
                  "kms:ViaService": Object {
                    "Fn::Join": Array [
                      "",
                      Array [
                        "dynamodb.eu-west-1.",
                        Object {
                          "Ref": "AWS::URLSuffix",
                        },
                      ],
                    ],
                  },
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070",
              },
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:DescribeKey",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070",
              },
            },
            Object {
              "Action": Array [
                "dynamodb:BatchGetItem",
                "dynamodb:ConditionCheckItem",
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:Query",
                "dynamodb:Scan",
              ],
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttReadModelGreenTable3F4ACFA2Arn8803ECEE",
                },
                Object {
                  "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttReadModelTable152641BFArn9BBBC704",
                },
              ],
            },
            Object {
              "Action": "dynamodb:Query",
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::Join": Array [
                    "",
                    Array [
                      Object {
                        "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttReadModelGreenTable3F4ACFA2Arn8803ECEE",
                      },
                      "/index/byEmail",
                    ],
                  ],
                },
                Object {
                  "Fn::Join": Array [
                    "",
                    Array [
                      Object {
                        "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttReadModelGreenTable3F4ACFA2Arn8803ECEE",
                      },
                      "/index/byUsername",
                    ],
                  ],
                },
                Object {
                  "Fn::Join": Array [
                    "",
                    Array [
                      Object {
                        "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttReadModelTable152641BFArn9BBBC704",
                      },
                      "/index/byEmail",
                    ],
                  ],
                },
                Object {
                  "Fn::Join": Array [
                    "",
                    Array [
                      Object {
                        "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttReadModelTable152641BFArn9BBBC704",
                      },
                      "/index/byUsername",
                    ],
                  ],
                },
              ],
            },
            Object {
              "Action": Array [
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputRefJwtSecret4F1985F39D1ED6DA",
              },
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:GenerateDataKey",
              ],
              "Condition": Object {
                "Null": Object {
                  "kms:EncryptionContext:subject": "false",
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-dev-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
              },
            },
            Object {
              "Action": Array [
                "dynamodb:GetItem",
                "dynamodb:UpdateItem",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "RateLimitsTable29A563C1",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "ses:SendEmail",
                "ses:SendRawEmail",
              ],
              "Effect": "Allow",
              "Resource": Array [
                "arn:aws:ses:eu-west-1:123456789012:identity/mail.user-service.internal",
                "arn:aws:ses:eu-west-1:123456789012:identity/no-reply@mail.user-service.internal",
              ],
            },
          ],
          "Version": "2012-10-17",
        },
        "PolicyName": "UserServiceRoleDefaultPolicy7831ACAB",
        "Roles": Array [
          Object {
            "Ref": "UserServiceRole513200BD",
          },
        ],
      },
      "Type": "AWS::IAM::Policy",
    },
    "UserServiceRoutePOSTpasswordresets6F884FAE": Object {
      "Properties": Object {
        "ApiId": Object {
          "Ref": "UserServiceApi54E23B5B",
        },
        "AuthorizationType": "NONE",
        "RouteKey": "POST /password-resets",
        "Target": Object {
          "Fn::Join": Array [
            "",
            Array [
              "integrations/",
              Object {
                "Ref": "UserServiceDefaultRouteServiceBEA1554A",
              },
            ],
          ],
        },
      },
      "Type": "AWS::ApiGatewayV2::Route",
    },
    "UserServiceRoutePOSTpasswordresetsconfirm87707EFE": Object {
      "Properties": Object {
        "ApiId": Object {
          "Ref": "UserServiceApi54E23B5B",
        },
        "AuthorizationType": "NONE",
        "RouteKey": "POST /password-resets/confirm",
        "Target": Object {
          "Fn::Join": Array [
            "",
            Array [
              "integrations/",
              Object {
                "Ref": "UserServiceDefaultRouteServiceBEA1554A",
              },
            ],
          ],
        },
      },
      "Type": "AWS::ApiGatewayV2::Route",
    },
    "UserServiceRoutePOSTpasswordresetsconfirmServicePermission68635149": Object {
      "Properties": Object {
        "Action": "lambda:InvokeFunction",
        "FunctionName": Object {
          "Fn::GetAtt": Array [
            "UserServiceFunctionCE800461",
            "Arn",
          ],
        },
        "Principal": "apigateway.amazonaws.com",
        "SourceArn": Object {
          "Fn::Join": Array [
            "",
            Array [
              "arn:aws:execute-api:eu-west-1:123456789012:",
              Object {
                "Ref": "UserServiceApi54E23B5B",
              },
              "/*/*/password-resets/confirm",
            ],
          ],
        },
      },
      "Type": "AWS::Lambda::Permission",
    },
    "UserServiceRoutePOSTpasswordresetsServicePermissionF82D9D5E": Object {
      "Properties": Object {
        "Action": "lambda:InvokeFunction",
        "FunctionName": Object {
          "Fn::GetAtt": Array [
            "UserServiceFunctionCE800461",
            "Arn",
          ],
        },
        "Principal": "apigateway.amazonaws.com",
        "SourceArn": Object {
          "Fn::Join": Array [
            "",
            Array [
              "arn:aws:execute-api:eu-west-1:123456789012:",
              Object {
                "Ref": "UserServiceApi54E23B5B",
              },
              "/*/*/password-resets",
            ],
          ],
        },
      },
      "Type": "AWS::Lambda::Permission",
    },
    "UserServiceRoutePOSTsessions93C2D39A": Object {
      "Properties": Object {
        "ApiId": Object {
          "Ref": "UserServiceApi54E23B5B",
        },
        "AuthorizationType": "NONE",
        "RouteKey": "POST /sessions",
        "Target": Object {
          "Fn::Join": Array [
            "",
            Array [
              "integrations/",
              Object {
                "Ref": "UserServiceDefaultRouteServiceBEA1554A",
              },
            ],
          ],
        },
      },
      "Type": "AWS::ApiGatewayV2::Route",
    },
    "UserServiceRoutePOSTsessionsServicePermissionA16EE09D": Object {
      "Properties": Object {
        "Action": "lambda:InvokeFunction",
        "FunctionName": Object {
          "Fn::GetAtt": Array [
            "UserServiceFunctionCE800461",
            "Arn",
          ],
        },
        "Principal": "apigateway.amazonaws.com",
        "SourceArn": Object {
          "Fn::Join": Array [
            "",
            Array [
              "arn:aws:execute-api:eu-west-1:123456789012:",
              Object {
                "Ref": "UserServiceApi54E23B5B",
              },
              "/*/*/sessions",
            ],
          ],
        },
      },
      "Type": "AWS::Lambda::Permission",
    },
    "UserServiceStage76A6AA02": Object {
      "DependsOn": Array [
        "UserServiceRoutePOSTpasswordresetsconfirm87707EFE",
        "UserServiceRoutePOSTpasswordresetsconfirmServicePermission68635149",
        "UserServiceRoutePOSTpasswordresets6F884FAE",
        "UserServiceRoutePOSTpasswordresetsServicePermissionF82D9D5E",
        "UserServiceRoutePOSTsessions93C2D39A",
        "UserServiceRoutePOSTsessionsServicePermissionA16EE09D",
      ],
      "Properties": Object {
        "AccessLogSettings": Object {
          "DestinationArn": Object {
            "Fn::GetAtt": Array [
              "UserServiceAccessLogs83E2AF6C",
              "Arn",
            ],
          },
          "Format": "{\\"requestId\\":\\"$context.requestId\\",\\"integrationRequestId\\":\\"$context.integration.requestId\\",\\"ip\\":\\"$context.identity.sourceIp\\",\\"requestTime\\":\\"$context.requestTime\\",\\"method\\":\\"$context.httpMethod\\",\\"routeKey\\":\\"$context.routeKey\\",\\"path\\":\\"$context.path\\",\\"status\\":\\"$context.status\\",\\"protocol\\":\\"$context.protocol\\",\\"responseLength\\":\\"$context.responseLength\\",\\"latency\\":\\"$context.responseLatency\\",\\"integrationStatus\\":\\"$context.integration.status\\",\\"integrationLatency\\":\\"$context.integrationLatency\\",\\"integrationError\\":\\"$context.integrationErrorMessage\\"}",
        },
        "ApiId": Object {
          "Ref": "UserServiceApi54E23B5B",
        },
        "AutoDeploy": true,
        "DefaultRouteSettings": Object {
          "ThrottlingBurstLimit": 100,
          "ThrottlingRateLimit": 50,
        },
        "RouteSettings": Object {
          "POST /password-resets": Object {
            "ThrottlingBurstLimit": 10,
            "ThrottlingRateLimit": 5,
          },
          "POST /password-resets/confirm": Object {
            "ThrottlingBurstLimit": 10,
            "ThrottlingRateLimit": 5,
          },
          "POST /sessions": Object {
            "ThrottlingBurstLimit": 10,
            "ThrottlingRateLimit": 5,
          },
        },
        "StageName": "$default",
      },
      "Type": "AWS::ApiGatewayV2::Stage",
    },
  },
  "Rules": Object {
    "CheckBootstrapVersion": Object {
      "Assertions": Array [
        Object {
          "Assert": Object {
            "Fn::Not": Array [
              Object {
                "Fn::Contains": Array [
                  Array [
                    "1",
                    "2",
                    "3",
                    "4",
                    "5",
                  ],
                  Object {
                    "Ref": "BootstrapVersion",
                  },
                ],
              },
            ],
          },
          "AssertDescription": "CDK bootstrap stack version 6 required. Please run 'cdk bootstrap' with a recent version of the CDK CLI.",
        },
      ],
    },
  },
}
`

exports[`test/snapshots.test.ts > TAP > UserService-dev-Stateful 1`] = `
Object {
  "Description": "User service (dev): event store and its backups, read model, JWT secret, data key",
  "Outputs": Object {
    "BackupVaultName": Object {
      "Value": Object {
        "Fn::GetAtt": Array [
          "BackupVaultADF21B19",
          "BackupVaultName",
        ],
      },
    },
    "EventStoreTableName": Object {
      "Value": Object {
        "Ref": "EventStoreTable9A84AAAA",
      },
    },
    "ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070": Object {
      "Export": Object {
        "Name": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070",
      },
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventStoreKey5FA2BC30",
          "Arn",
        ],
      },
    },
    "ExportsOutputFnGetAttEventStoreTable9A84AAAAArn288B7554": Object {
      "Export": Object {
        "Name": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAArn288B7554",
      },
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventStoreTable9A84AAAA",
          "Arn",
        ],
      },
    },
    "ExportsOutputFnGetAttEventStoreTable9A84AAAAStreamArnE9E4C6DB": Object {
      "Export": Object {
        "Name": "UserService-dev-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAStreamArnE9E4C6DB",
      },
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventStoreTable9A84AAAA",
          "StreamArn",
        ],
      },
    },
    "ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E": Object {
      "Export": Object {
        "Name": "UserService-dev-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
      },
      "Value": Object {
        "Fn::GetAtt": Array [
          "PersonalDataKey13F06DED",
          "Arn",
        ],
      },
    },
    "ExportsOutputFnGetAttReadModelGreenTable3F4ACFA2Arn8803ECEE": Object {
      "Export": Object {
        "Name": "UserService-dev-Stateful:ExportsOutputFnGetAttReadModelGreenTable3F4ACFA2Arn8803ECEE",
      },
      "Value": Object {
        "Fn::GetAtt": Array [
          "ReadModelGreenTable3F4ACFA2",
          "Arn",
        ],
      },
    },
    "ExportsOutputFnGetAttReadModelTable152641BFArn9BBBC704": Object {
      "Export": Object {
        "Name": "UserService-dev-Stateful:ExportsOutputFnGetAttReadModelTable152641BFArn9BBBC704",
      },
      "Value": Object {
        "Fn::GetAtt": Array [
          "ReadModelTable152641BF",
          "Arn",
        ],
      },
    },
    "ExportsOutputRefEventStoreTable9A84AAAA66CD143F": Object {
      "Export": Object {
        "Name": "UserService-dev-Stateful:ExportsOutputRefEventStoreTable9A84AAAA66CD143F",
      },
      "Value": Object {
        "Ref": "EventStoreTable9A84AAAA",
      },
    },
    "ExportsOutputRefJwtSecret4F1985F39D1ED6DA": Object {
      "Export": Object {
        "Name": "UserService-dev-Stateful:ExportsOutputRefJwtSecret4F1985F39D1ED6DA",
      },
      "Value": Object {
        "Ref": "JwtSecret4F1985F3",
      },
    },
    "ExportsOutputRefReadModelGreenTable3F4ACFA269E45A2E": Object {
      "Export": Object {
        "Name": "UserService-dev-Stateful:ExportsOutputRefReadModelGreenTable3F4ACFA269E45A2E",
      },
      "Value": Object {
        "Ref": "ReadModelGreenTable3F4ACFA2",
      },
    },
    "ExportsOutputRefReadModelTable152641BFD6D0FA4A": Object {
      "Export": Object {
        "Name": "UserService-dev-Stateful:ExportsOutputRefReadModelTable152641BFD6D0FA4A",
      },
      "Value": Object {
        "Ref": "ReadModelTable152641BF",
      },
    },
    "JwtSecretArn": Object {
      "Value": Object {
        "Ref": "JwtSecret4F1985F3",
      },
    },
    "PersonalDataKeyArn": Object {
      "Value": Object {
        "Fn::GetAtt": Array [
          "PersonalDataKey13F06DED",
          "Arn",
        ],
      },
    },
    "ReadModelGreenTableName": Object {
      "Value": Object {
        "Ref": "ReadModelGreenTable3F4ACFA2",
      },
    },
    "ReadModelTableName": Object {
      "Value": Object {
        "Ref": "ReadModelTable152641BF",
      },
    },
  },
  "Parameters": Object {
    "BootstrapVersion": Object {
      "Default": "/cdk-bootstrap/hnb659fds/version",
      "Description": "Version of the CDK Bootstrap resources in this environment, automatically retrieved from SSM Parameter Store. [cdk:skip]",
      "Type": "AWS::SSM::Parameter::Value<String>",
    },
  },
  "Resources": Object {
    "BackupPlan14914BEB": Object {
      "Properties": Object {
        "BackupPlan": Object {
          "BackupPlanName": "Plan",
          "BackupPlanRule": Array [
            Object {
              "Lifecycle": Object {
                "DeleteAfterDays": 7,
              },
              "RuleName": "Daily",
              "ScheduleExpression": "cron(0 3 * * ? *)",
              "TargetBackupVault": Object {
                "Fn::GetAtt": Array [
                  "BackupVaultADF21B19",
                  "BackupVaultName",
                ],
              },
            },
          ],
        },
      },
      "Type": "AWS::Backup::BackupPlan",
    },
    "BackupPlanEventStoreFC3F6D29": Object {
      "Properties": Object {
        "BackupPlanId": Object {
          "Fn::GetAtt": Array [
            "BackupPlan14914BEB",
            "BackupPlanId",
          ],
        },
        "BackupSelection": Object {
          "IamRoleArn": Object {
            "Fn::GetAtt": Array [
              "BackupPlanEventStoreRoleB8D8FF82",
              "Arn",
            ],
          },
          "Resources": Array [
            Object {
              "Fn::GetAtt": Array [
                "EventStoreTable9A84AAAA",
                "Arn",
              ],
            },
          ],
          "SelectionName": "EventStore",
        },
      },
      "Type": "AWS::Backup::BackupSelection",
    },
    "BackupPlanEventStoreRoleB8D8FF82": Object {
      "Properties": Object {
        "AssumeRolePolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sts:AssumeRole",
              "Effect": "Allow",
              "Principal": Object {
                "Service": "backup.amazonaws.com",
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "ManagedPolicyArns": Array [
          Object {
            "Fn::Join": Array [
              "",
              Array [
                "arn:",
                Object {
                  "Ref": "AWS::Partition",
                },
                ":iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
              ],
            ],
          },
        ],
      },
      "Type": "AWS::IAM::Role",
    },
    "BackupVaultADF21B19": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "BackupVaultName": "UserServicedevStatefulBackupVault7F910A08",
        "EncryptionKeyArn": Object {
          "Fn::GetAtt": Array [
            "EventStoreKey5FA2BC30",
            "Arn",
          ],
        },
      },
      "Type": "AWS::Backup::BackupVault",
      "UpdateReplacePolicy": "Delete",
    },
    "EventStoreKey5FA2BC30": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "Description": "Encrypts the user service event store, its two read-model tables and their backups",
        "EnableKeyRotation": true,
        "KeyPolicy": Object {
          "Statement": Array [
            Object {
              "Action": "kms:*",
              "Effect": "Allow",
              "Principal": Object {
                "AWS": "arn:aws:iam::123456789012:root",
              },
              "Resource": "*",
            },
          ],
          "Version": "2012-10-17",
        },
      },
      "Type": "AWS::KMS::Key",
      "UpdateReplacePolicy": "Delete",
    },
    "EventStoreTable9A84AAAA": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "AttributeDefinitions": Array [
          Object {
            "AttributeName": "pk",
            "AttributeType": "S",
          },
          Object {
            "AttributeName": "sk",
            "AttributeType": "N",
          },
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "DeletionProtectionEnabled": false,
        "KeySchema": Array [
          Object {
            "AttributeName": "pk",
            "KeyType": "HASH",
          },
          Object {
            "AttributeName": "sk",
            "KeyType": "RANGE",
          },
        ],
        "PointInTimeRecoverySpecification": Object {
          "PointInTimeRecoveryEnabled": true,
        },
        "SSESpecification": Object {
          "KMSMasterKeyId": Object {
            "Fn::GetAtt": Array [
              "EventStoreKey5FA2BC30",
              "Arn",
            ],
          },
          "SSEEnabled": true,
          "SSEType": "KMS",
        },
        "StreamSpecification": Object {
          "StreamViewType": "NEW_IMAGE",
        },
        "TimeToLiveSpecification": Object {
          "AttributeName": "expiresAt",
          "Enabled": true,
        },
      },
      "Type": "AWS::DynamoDB::Table",
      "UpdateReplacePolicy": "Delete",
    },
    "JwtSecret4F1985F3": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "Description": "HS256 key that signs the user service session tokens",
        "GenerateSecretString": Object {
          "ExcludePunctuation": true,
          "PasswordLength": 64,
        },
      },
      "Type": "AWS::SecretsManager::Secret",
      "UpdateReplacePolicy": "Delete",
    },
    "PersonalDataKey13F06DED": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "Description": "Wraps each user's personal-data key (crypto-shredding: erasure destroys the wrapped key)",
        "EnableKeyRotation": true,
        "KeyPolicy": Object {
          "Statement": Array [
            Object {
              "Action": "kms:*",
              "Effect": "Allow",
              "Principal": Object {
                "AWS": "arn:aws:iam::123456789012:root",
              },
              "Resource": "*",
            },
          ],
          "Version": "2012-10-17",
        },
      },
      "Type": "AWS::KMS::Key",
      "UpdateReplacePolicy": "Delete",
    },
    "ReadModelGreenTable3F4ACFA2": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "AttributeDefinitions": Array [
          Object {
            "AttributeName": "id",
            "AttributeType": "S",
          },
          Object {
            "AttributeName": "emailKey",
            "AttributeType": "S",
          },
          Object {
            "AttributeName": "usernameKey",
            "AttributeType": "S",
          },
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "DeletionProtectionEnabled": false,
        "GlobalSecondaryIndexes": Array [
          Object {
            "IndexName": "byEmail",
            "KeySchema": Array [
              Object {
                "AttributeName": "emailKey",
                "KeyType": "HASH",
              },
            ],
            "Projection": Object {
              "ProjectionType": "KEYS_ONLY",
            },
          },
          Object {
            "IndexName": "byUsername",
            "KeySchema": Array [
              Object {
                "AttributeName": "usernameKey",
                "KeyType": "HASH",
              },
            ],
            "Projection": Object {
              "ProjectionType": "KEYS_ONLY",
            },
          },
        ],
        "KeySchema": Array [
          Object {
            "AttributeName": "id",
            "KeyType": "HASH",
          },
        ],
        "PointInTimeRecoverySpecification": Object {
          "PointInTimeRecoveryEnabled": true,
        },
        "SSESpecification": Object {
          "KMSMasterKeyId": Object {
            "Fn::GetAtt": Array [
              "EventStoreKey5FA2BC30",
              "Arn",
            ],
          },
          "SSEEnabled": true,
          "SSEType": "KMS",
        },
      },
      "Type": "AWS::DynamoDB::Table",
      "UpdateReplacePolicy": "Delete",
    },
    "ReadModelTable152641BF": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "AttributeDefinitions": Array [
          Object {
            "AttributeName": "id",
            "AttributeType": "S",
          },
          Object {
            "AttributeName": "emailKey",
            "AttributeType": "S",
          },
          Object {
            "AttributeName": "usernameKey",
            "AttributeType": "S",
          },
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "DeletionProtectionEnabled": false,
        "GlobalSecondaryIndexes": Array [
          Object {
            "IndexName": "byEmail",
            "KeySchema": Array [
              Object {
                "AttributeName": "emailKey",
                "KeyType": "HASH",
              },
            ],
            "Projection": Object {
              "ProjectionType": "KEYS_ONLY",
            },
          },
          Object {
            "IndexName": "byUsername",
            "KeySchema": Array [
              Object {
                "AttributeName": "usernameKey",
                "KeyType": "HASH",
              },
            ],
            "Projection": Object {
              "ProjectionType": "KEYS_ONLY",
            },
          },
        ],
        "KeySchema": Array [
          Object {
            "AttributeName": "id",
            "KeyType": "HASH",
          },
        ],
        "PointInTimeRecoverySpecification": Object {
          "PointInTimeRecoveryEnabled": true,
        },
        "SSESpecification": Object {
          "KMSMasterKeyId": Object {
            "Fn::GetAtt": Array [
              "EventStoreKey5FA2BC30",
              "Arn",
            ],
          },
          "SSEEnabled": true,
          "SSEType": "KMS",
        },
      },
      "Type": "AWS::DynamoDB::Table",
      "UpdateReplacePolicy": "Delete",
    },
  },
  "Rules": Object {
    "CheckBootstrapVersion": Object {
      "Assertions": Array [
        Object {
          "Assert": Object {
            "Fn::Not": Array [
              Object {
                "Fn::Contains": Array [
                  Array [
                    "1",
                    "2",
                    "3",
                    "4",
                    "5",
                  ],
                  Object {
                    "Ref": "BootstrapVersion",
                  },
                ],
              },
            ],
          },
          "AssertDescription": "CDK bootstrap stack version 6 required. Please run 'cdk bootstrap' with a recent version of the CDK CLI.",
        },
      ],
    },
  },
}
`

exports[`test/snapshots.test.ts > TAP > UserService-prod-Service 1`] = `
Object {
  "Description": "User service (prod): stream relay, event topic and queues, API, projector, alarms",
  "Outputs": Object {
    "AlarmTopicArn": Object {
      "Description": "Every alarm notifies it",
      "Value": Object {
        "Ref": "OperationsAlarmTopic909EF7A3",
      },
    },
    "ApiUrl": Object {
      "Description": "The API's base URL, ending in /",
      "Value": Object {
        "Fn::Join": Array [
          "",
          Array [
            "https://",
            Object {
              "Ref": "UserServiceApi54E23B5B",
            },
            ".execute-api.eu-west-1.",
            Object {
              "Ref": "AWS::URLSuffix",
            },
            "/",
          ],
        ],
      },
    },
    "ConsumerQueueArnmailer": Object {
      "Description": "mailer: its queue",
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventsConsumermailerQueueD3BFF403",
          "Arn",
        ],
      },
    },
    "ConsumerQueueArnprojector": Object {
      "Description": "projector: its queue",
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventsConsumerprojectorQueue078FA593",
          "Arn",
        ],
      },
    },
    "ConsumerQueueUrlmailer": Object {
      "Description": "mailer: its queue (pnpm redrive's destination)",
      "Value": Object {
        "Ref": "EventsConsumermailerQueueD3BFF403",
      },
    },
    "ConsumerQueueUrlprojector": Object {
      "Description": "projector: its queue (pnpm redrive's destination)",
      "Value": Object {
        "Ref": "EventsConsumerprojectorQueue078FA593",
      },
    },
    "DashboardName": Object {
      "Description": "The CloudWatch dashboard",
      "Value": Object {
        "Ref": "OperationsDashboardE19B83FC",
      },
    },
    "DeadLetterQueueArnmailer": Object {
      "Description": "mailer: its DLQ (StartMessageMoveTask --source-arn)",
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventsConsumermailerDeadLetterQueue99D77A35",
          "Arn",
        ],
      },
    },
    "DeadLetterQueueArnprojector": Object {
      "Description": "projector: its DLQ (StartMessageMoveTask --source-arn)",
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
          "Arn",
        ],
      },
    },
    "DeadLetterQueueUrlmailer": Object {
      "Description": "mailer: its DLQ (pnpm redrive's source)",
      "Value": Object {
        "Ref": "EventsConsumermailerDeadLetterQueue99D77A35",
      },
    },
    "DeadLetterQueueUrlprojector": Object {
      "Description": "projector: its DLQ (pnpm redrive's source)",
      "Value": Object {
        "Ref": "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
      },
    },
    "EventStoreTableName": Object {
      "Description": "pnpm republish reads here (EVENT_STORE_TABLE)",
      "Value": Object {
        "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefEventStoreTable9A84AAAA66CD143F",
      },
    },
    "EventTopicArn": Object {
      "Description": "pnpm republish publishes here (TOPIC_ARN)",
      "Value": Object {
        "Ref": "EventsTopic97220A64",
      },
    },
    "OperatorPolicyArn": Object {
      "Description": "Attach to the operators' role to run the repairs",
      "Value": Object {
        "Ref": "OperatorAccessPolicy98D96132",
      },
    },
    "QueueKeyArn": Object {
      "Description": "Encrypts every queue: a consumer needs kms:Decrypt on it",
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventsQueueKey613467D1",
          "Arn",
        ],
      },
    },
    "ReadModelGreenTableName": Object {
      "Description": "The green slot",
      "Value": Object {
        "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefReadModelGreenTable3F4ACFA269E45A2E",
      },
    },
    "ReadModelTableName": Object {
      "Description": "The blue slot: it holds the slot pointer and the rebuild lease",
      "Value": Object {
        "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefReadModelTable152641BFD6D0FA4A",
      },
    },
    "RelayFailureQueueUrl": Object {
      "Description": "Batches the stream mapping gave up on (shard and sequence numbers)",
      "Value": Object {
        "Ref": "StreamRelayFailureQueue0C08D702",
      },
    },
    "RelayParkingQueueUrl": Object {
      "Description": "Records the relay could not publish, with their image",
      "Value": Object {
        "Ref": "StreamRelayParkingQueue7A8D3158",
      },
    },
    "SentMailTableName": Object {
      "Description": "The mailer's ledger: one item per event whose mail was sent",
      "Value": Object {
        "Ref": "MailerSentMails88BFB948",
      },
    },
    "SubscriptionDeadLetterQueueUrlmailer": Object {
      "Description": "mailer: what SNS could not deliver",
      "Value": Object {
        "Ref": "EventsConsumermailerSubscriptionDeadLetterQueueADA3DEF4",
      },
    },
    "SubscriptionDeadLetterQueueUrlprojector": Object {
      "Description": "projector: what SNS could not deliver",
      "Value": Object {
        "Ref": "EventsConsumerprojectorSubscriptionDeadLetterQueueF98AB76D",
      },
    },
  },
  "Parameters": Object {
    "BootstrapVersion": Object {
      "Default": "/cdk-bootstrap/hnb659fds/version",
      "Description": "Version of the CDK Bootstrap resources in this environment, automatically retrieved from SSM Parameter Store. [cdk:skip]",
      "Type": "AWS::SSM::Parameter::Value<String>",
    },
  },
  "Resources": Object {
    "EventsConsumermailerDeadLetterQueue99D77A35": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "FifoQueue": true,
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
        "MessageRetentionPeriod": 1209600,
      },
      "Type": "AWS::SQS::Queue",
      "UpdateReplacePolicy": "Retain",
    },
    "EventsConsumermailerDeadLetterQueuePolicyFE250B58": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sqs:*",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": Object {
                "AWS": "*",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerDeadLetterQueue99D77A35",
                  "Arn",
                ],
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Queues": Array [
          Object {
            "Ref": "EventsConsumermailerDeadLetterQueue99D77A35",
          },
        ],
      },
      "Type": "AWS::SQS::QueuePolicy",
    },
    "EventsConsumermailerQueueD3BFF403": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "DeduplicationScope": "messageGroup",
        "FifoQueue": true,
        "FifoThroughputLimit": "perMessageGroupId",
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
        "MessageRetentionPeriod": 1209600,
        "RedrivePolicy": Object {
          "deadLetterTargetArn": Object {
            "Fn::GetAtt": Array [
              "EventsConsumermailerDeadLetterQueue99D77A35",
              "Arn",
            ],
          },
          "maxReceiveCount": 5,
        },
        "VisibilityTimeout": 180,
      },
      "Type": "AWS::SQS::Queue",
      "UpdateReplacePolicy": "Retain",
    },
    "EventsConsumermailerQueuePolicy7E2EA3B1": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sqs:*",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": Object {
                "AWS": "*",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerQueueD3BFF403",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": "sqs:SendMessage",
              "Condition": Object {
                "ArnEquals": Object {
                  "aws:SourceArn": Object {
                    "Ref": "EventsTopic97220A64",
                  },
                },
              },
              "Effect": "Allow",
              "Principal": Object {
                "Service": "sns.amazonaws.com",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerQueueD3BFF403",
                  "Arn",
                ],
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Queues": Array [
          Object {
            "Ref": "EventsConsumermailerQueueD3BFF403",
          },
        ],
      },
      "Type": "AWS::SQS::QueuePolicy",
    },
    "EventsConsumermailerQueueUserServiceprodServiceEventsTopic0836AF4CED86B827": Object {
      "DependsOn": Array [
        "EventsConsumermailerQueuePolicy7E2EA3B1",
      ],
      "Properties": Object {
        "Endpoint": Object {
          "Fn::GetAtt": Array [
            "EventsConsumermailerQueueD3BFF403",
            "Arn",
          ],
        },
        "Protocol": "sqs",
        "RawMessageDelivery": true,
        "RedrivePolicy": Object {
          "deadLetterTargetArn": Object {
            "Fn::GetAtt": Array [
              "EventsConsumermailerSubscriptionDeadLetterQueueADA3DEF4",
              "Arn",
            ],
          },
        },
        "TopicArn": Object {
          "Ref": "EventsTopic97220A64",
        },
      },
      "Type": "AWS::SNS::Subscription",
    },
    "EventsConsumermailerSubscriptionDeadLetterQueueADA3DEF4": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "FifoQueue": true,
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
        "MessageRetentionPeriod": 1209600,
      },
      "Type": "AWS::SQS::Queue",
      "UpdateReplacePolicy": "Retain",
    },
    "EventsConsumermailerSubscriptionDeadLetterQueuePolicy1C614F43": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sqs:*",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": Object {
                "AWS": "*",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerSubscriptionDeadLetterQueueADA3DEF4",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": "sqs:SendMessage",
              "Condition": Object {
                "ArnEquals": Object {
                  "aws:SourceArn": Object {
                    "Ref": "EventsTopic97220A64",
                  },
                },
              },
              "Effect": "Allow",
              "Principal": Object {
                "Service": "sns.amazonaws.com",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerSubscriptionDeadLetterQueueADA3DEF4",
                  "Arn",
                ],
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Queues": Array [
          Object {
            "Ref": "EventsConsumermailerSubscriptionDeadLetterQueueADA3DEF4",
          },
        ],
      },
      "Type": "AWS::SQS::QueuePolicy",
    },
    "EventsConsumerprojectorDeadLetterQueue5A0E10F1": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "FifoQueue": true,
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
        "MessageRetentionPeriod": 1209600,
      },
      "Type": "AWS::SQS::Queue",
      "UpdateReplacePolicy": "Retain",
    },
    "EventsConsumerprojectorDeadLetterQueuePolicy3240B7A9": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sqs:*",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": Object {
                "AWS": "*",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
                  "Arn",
                ],
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Queues": Array [
          Object {
            "Ref": "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
          },
        ],
      },
      "Type": "AWS::SQS::QueuePolicy",
    },
    "EventsConsumerprojectorQueue078FA593": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "DeduplicationScope": "messageGroup",
        "FifoQueue": true,
        "FifoThroughputLimit": "perMessageGroupId",
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
        "MessageRetentionPeriod": 1209600,
        "RedrivePolicy": Object {
          "deadLetterTargetArn": Object {
            "Fn::GetAtt": Array [
              "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
              "Arn",
            ],
          },
          "maxReceiveCount": 5,
        },
        "VisibilityTimeout": 180,
      },
      "Type": "AWS::SQS::Queue",
      "UpdateReplacePolicy": "Retain",
    },
    "EventsConsumerprojectorQueuePolicy809578E1": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sqs:*",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": Object {
                "AWS": "*",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorQueue078FA593",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": "sqs:SendMessage",
              "Condition": Object {
                "ArnEquals": Object {
                  "aws:SourceArn": Object {
                    "Ref": "EventsTopic97220A64",
                  },
                },
              },
              "Effect": "Allow",
              "Principal": Object {
                "Service": "sns.amazonaws.com",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorQueue078FA593",
                  "Arn",
                ],
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Queues": Array [
          Object {
            "Ref": "EventsConsumerprojectorQueue078FA593",
          },
        ],
      },
      "Type": "AWS::SQS::QueuePolicy",
    },
    "EventsConsumerprojectorQueueUserServiceprodServiceEventsTopic0836AF4C398B45C6": Object {
      "DependsOn": Array [
        "EventsConsumerprojectorQueuePolicy809578E1",
      ],
      "Properties": Object {
        "Endpoint": Object {
          "Fn::GetAtt": Array [
            "EventsConsumerprojectorQueue078FA593",
            "Arn",
          ],
        },
        "Protocol": "sqs",
        "RawMessageDelivery": true,
        "RedrivePolicy": Object {
          "deadLetterTargetArn": Object {
            "Fn::GetAtt": Array [
              "EventsConsumerprojectorSubscriptionDeadLetterQueueF98AB76D",
              "Arn",
            ],
          },
        },
        "TopicArn": Object {
          "Ref": "EventsTopic97220A64",
        },
      },
      "Type": "AWS::SNS::Subscription",
    },
    "EventsConsumerprojectorSubscriptionDeadLetterQueueF98AB76D": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "FifoQueue": true,
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
        "MessageRetentionPeriod": 1209600,
      },
      "Type": "AWS::SQS::Queue",
      "UpdateReplacePolicy": "Retain",
    },
    "EventsConsumerprojectorSubscriptionDeadLetterQueuePolicy120B46DF": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sqs:*",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": Object {
                "AWS": "*",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorSubscriptionDeadLetterQueueF98AB76D",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": "sqs:SendMessage",
              "Condition": Object {
                "ArnEquals": Object {
                  "aws:SourceArn": Object {
                    "Ref": "EventsTopic97220A64",
                  },
                },
              },
              "Effect": "Allow",
              "Principal": Object {
                "Service": "sns.amazonaws.com",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorSubscriptionDeadLetterQueueF98AB76D",
                  "Arn",
                ],
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Queues": Array [
          Object {
            "Ref": "EventsConsumerprojectorSubscriptionDeadLetterQueueF98AB76D",
          },
        ],
      },
      "Type": "AWS::SQS::QueuePolicy",
    },
    "EventsQueueKey613467D1": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "Description": "Encrypts the user service event queues, their dead letters, the relay failure and parking queues and alarm notifications",
        "EnableKeyRotation": true,
        "KeyPolicy": Object {
          "Statement": Array [
            Object {
              "Action": "kms:*",
              "Effect": "Allow",
              "Principal": Object {
                "AWS": "arn:aws:iam::111122223333:root",
              },
              "Resource": "*",
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:GenerateDataKey",
              ],
              "Condition": Object {
                "ArnEquals": Object {
                  "aws:SourceArn": Object {
                    "Ref": "EventsTopic97220A64",
                  },
                },
              },
              "Effect": "Allow",
              "Principal": Object {
                "Service": "sns.amazonaws.com",
              },
              "Resource": "*",
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:GenerateDataKey*",
              ],
              "Condition": Object {
                "ArnLike": Object {
                  "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:*",
                },
                "StringEquals": Object {
                  "aws:SourceAccount": "111122223333",
                },
              },
              "Effect": "Allow",
              "Principal": Object {
                "Service": "cloudwatch.amazonaws.com",
              },
              "Resource": "*",
            },
          ],
          "Version": "2012-10-17",
        },
      },
      "Type": "AWS::KMS::Key",
      "UpdateReplacePolicy": "Retain",
    },
    "EventsTopic97220A64": Object {
      "Properties": Object {
        "DisplayName": "User service integration events",
        "FifoThroughputScope": "MessageGroup",
        "FifoTopic": true,
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsTopicKey156A8EC3",
            "Arn",
          ],
        },
        "TopicName": "UserServiceprodService-Events-Topic-0836AF4C.fifo",
      },
      "Type": "AWS::SNS::Topic",
    },
    "EventsTopicKey156A8EC3": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "Description": "Encrypts the user service event topic",
        "EnableKeyRotation": true,
        "KeyPolicy": Object {
          "Statement": Array [
            Object {
              "Action": "kms:*",
              "Effect": "Allow",
              "Principal": Object {
                "AWS": "arn:aws:iam::111122223333:root",
              },
              "Resource": "*",
            },
          ],
          "Version": "2012-10-17",
        },
      },
      "Type": "AWS::KMS::Key",
      "UpdateReplacePolicy": "Retain",
    },
    "EventsTopicPolicy2267B130": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sns:Publish",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": "*",
              "Resource": Object {
                "Ref": "EventsTopic97220A64",
              },
              "Sid": "AllowPublishThroughSSLOnly",
            },
          ],
          "Version": "2012-10-17",
        },
        "Topics": Array [
          Object {
            "Ref": "EventsTopic97220A64",
          },
        ],
      },
      "Type": "AWS::SNS::TopicPolicy",
    },
    "MailerFunction68771276": Object {
      "DependsOn": Array [
        "MailerRoleDefaultPolicyCBF48214",
        "MailerRole66BA8702",
      ],
      "Properties": Object {
        "Architectures": Array [
          "arm64",
        ],
        "Code": Object {
          "S3Bucket": "cdk-hnb659fds-assets-111122223333-eu-west-1",
          "S3Key": "[asset hash].zip",
        },
        "Description": "Sends confirmation and reset mails from the user events of its SQS FIFO queue",
        "Environment": Object {
          "Variables": Object {
            "EVENT_STORE_TABLE": Object {
              "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefEventStoreTable9A84AAAA66CD143F",
            },
            "JWT_SECRET_ARN": Object {
              "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefJwtSecret4F1985F39D1ED6DA",
            },
            "KMS_KEY_ID": Object {
              "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
            },
            "LOG_LEVEL": "info",
            "MAIL_LEASE_SECONDS": "30",
            "MAILER": "ses",
            "POWERTOOLS_METRICS_NAMESPACE": "UserService",
            "POWERTOOLS_SERVICE_NAME": "mailer",
            "PUBLIC_URL": Object {
              "Fn::Join": Array [
                "",
                Array [
                  "https://",
                  Object {
                    "Ref": "UserServiceApi54E23B5B",
                  },
                  ".execute-api.eu-west-1.",
                  Object {
                    "Ref": "AWS::URLSuffix",
                  },
                  "/",
                ],
              ],
            },
            "SENT_MAIL_TABLE": Object {
              "Ref": "MailerSentMails88BFB948",
            },
            "SES_FROM_ADDRESS": "no-reply@mail.users.example.org",
          },
        },
        "Handler": "index.handler",
        "LoggingConfig": Object {
          "LogGroup": Object {
            "Ref": "MailerLogs0DE36510",
          },
        },
        "MemorySize": 256,
        "ReservedConcurrentExecutions": 4,
        "Role": Object {
          "Fn::GetAtt": Array [
            "MailerRole66BA8702",
            "Arn",
          ],
        },
        "Runtime": "nodejs22.x",
        "Timeout": 30,
        "TracingConfig": Object {
          "Mode": "Active",
        },
      },
      "Type": "AWS::Lambda::Function",
    },
    "MailerFunctionSqsEventSourceUserServiceprodServiceEventsConsumermailerQueue142E7E1AD1D12E4C": Object {
      "Properties": Object {
        "BatchSize": 10,
        "EventSourceArn": Object {
          "Fn::GetAtt": Array [
            "EventsConsumermailerQueueD3BFF403",
            "Arn",
          ],
        },
        "FunctionName": Object {
          "Ref": "MailerFunction68771276",
        },
        "FunctionResponseTypes": Array [
          "ReportBatchItemFailures",
        ],
        "ScalingConfig": Object {
          "MaximumConcurrency": 4,
        },
      },
      "Type": "AWS::Lambda::EventSourceMapping",
    },
    "MailerLogs0DE36510": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "RetentionInDays": 90,
      },
      "Type": "AWS::Logs::LogGroup",
      "UpdateReplacePolicy": "Retain",
    },
    "MailerRole66BA8702": Object {
      "Properties": Object {
        "AssumeRolePolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sts:AssumeRole",
              "Effect": "Allow",
              "Principal": Object {
                "Service": "lambda.amazonaws.com",
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Description": "Runs: Sends confirmation and reset mails from the user events of its SQS FIFO queue",
      },
      "Type": "AWS::IAM::Role",
    },
    "MailerRoleDefaultPolicyCBF48214": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": Array [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "MailerLogs0DE36510",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "xray:PutTelemetryRecords",
                "xray:PutTraceSegments",
              ],
              "Effect": "Allow",
              "Resource": "*",
            },
            Object {
              "Action": Array [
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:ReceiveMessage",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerQueueD3BFF403",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": "kms:Decrypt",
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::GetAtt": Array [
                    "EventsQueueKey613467D1",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070",
                },
              ],
            },
            Object {
              "Action": Array [
                "dynamodb:GetItem",
                "dynamodb:Query",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAArn288B7554",
              },
            },
            Object {
              "Action": "kms:Decrypt",
              "Condition": Object {
                "Null": Object {
                  "kms:EncryptionContext:subject": "false",
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
              },
            },
            Object {
              "Action": Array [
                "dynamodb:DeleteItem",
                "dynamodb:PutItem",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "MailerSentMails88BFB948",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefJwtSecret4F1985F39D1ED6DA",
              },
            },
            Object {
              "Action": Array [
                "ses:SendEmail",
                "ses:SendRawEmail",
              ],
              "Effect": "Allow",
              "Resource": Array [
                "arn:aws:ses:eu-west-1:111122223333:identity/mail.users.example.org",
                "arn:aws:ses:eu-west-1:111122223333:identity/no-reply@mail.users.example.org",
              ],
            },
          ],
          "Version": "2012-10-17",
        },
        "PolicyName": "MailerRoleDefaultPolicyCBF48214",
        "Roles": Array [
          Object {
            "Ref": "MailerRole66BA8702",
          },
        ],
      },
      "Type": "AWS::IAM::Policy",
    },
    "MailerSentMails88BFB948": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "AttributeDefinitions": Array [
          Object {
            "AttributeName": "eventId",
            "AttributeType": "S",
          },
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": Array [
          Object {
            "AttributeName": "eventId",
            "KeyType": "HASH",
          },
        ],
        "SSESpecification": Object {
          "SSEEnabled": true,
        },
        "TimeToLiveSpecification": Object {
          "AttributeName": "expiresAt",
          "Enabled": true,
        },
      },
      "Type": "AWS::DynamoDB::Table",
      "UpdateReplacePolicy": "Retain",
    },
    "OperationsAlarmTopic909EF7A3": Object {
      "Properties": Object {
        "DisplayName": "User service alarms",
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
      },
      "Type": "AWS::SNS::Topic",
    },
    "OperationsAlarmTopicPolicy8B2C617C": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sns:Publish",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": "*",
              "Resource": Object {
                "Ref": "OperationsAlarmTopic909EF7A3",
              },
              "Sid": "AllowPublishThroughSSLOnly",
            },
            Object {
              "Action": "sns:Publish",
              "Condition": Object {
                "ArnLike": Object {
                  "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:*",
                },
                "StringEquals": Object {
                  "aws:SourceAccount": "111122223333",
                },
              },
              "Effect": "Allow",
              "Principal": Object {
                "Service": "cloudwatch.amazonaws.com",
              },
              "Resource": Object {
                "Ref": "OperationsAlarmTopic909EF7A3",
              },
              "Sid": "1",
            },
          ],
          "Version": "2012-10-17",
        },
        "Topics": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
      },
      "Type": "AWS::SNS::TopicPolicy",
    },
    "OperationsAlarmTopicuserserviceoncallopsusersexampleorg0B5FD6BD": Object {
      "Properties": Object {
        "Endpoint": "user-service-oncall@ops.users.example.org",
        "Protocol": "email",
        "TopicArn": Object {
          "Ref": "OperationsAlarmTopic909EF7A3",
        },
      },
      "Type": "AWS::SNS::Subscription",
    },
    "OperationsApi5xxRate5558D5F1": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "More than 1 % of the API's requests answered 5xx over 5 minutes (counted from 50 requests): the user service's logs, by requestId.",
        "AlarmName": "UserService-prod-Api5xxRate",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "Metrics": Array [
          Object {
            "Expression": "IF(requests >= 50, 100 * errors / requests, 0)",
            "Id": "expr_1",
            "Label": "5xx %",
            "ReturnData": true,
          },
          Object {
            "Id": "errors",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "ApiId",
                    "Value": Object {
                      "Ref": "UserServiceApi54E23B5B",
                    },
                  },
                ],
                "MetricName": "5xx",
                "Namespace": "AWS/ApiGateway",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
          Object {
            "Id": "requests",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "ApiId",
                    "Value": Object {
                      "Ref": "UserServiceApi54E23B5B",
                    },
                  },
                ],
                "MetricName": "Count",
                "Namespace": "AWS/ApiGateway",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
        ],
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDashboardE19B83FC": Object {
      "Properties": Object {
        "DashboardBody": Object {
          "Fn::Join": Array [
            "",
            Array [
              "{\\"start\\":\\"-PT3H\\",\\"widgets\\":[{\\"type\\":\\"alarm\\",\\"width\\":24,\\"height\\":8,\\"x\\":0,\\"y\\":0,\\"properties\\":{\\"title\\":\\"Alarms\\",\\"alarms\\":[\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsRelayIteratorAge51BCF4A6",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsRelayDestinationDeliveryFailuresF2CBD27A",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsRelayRecordsParked7AF7B2D1",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsRelayPublishFailures2E221F04",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDeadLettersrelayfailures54FAACD8",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDeadLettersrelayparkingCA5C3D53",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDeadLettersprojectorAC851DF6",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsSubscriptionDeadLettersprojector24C460AE",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsOldestMessageprojector48D6B144",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsEventsFailedprojector0B4A1F61",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsProjectionLagprojector61605CC4",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDeadLettersmailer723D9FFC",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsSubscriptionDeadLettersmailer5B003B47",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsOldestMessagemailer2BE7ABC0",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsEventsFailedmailer7C0CB462",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsProjectionLagmailerDF97F3CE",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsErrorsuserserviceDE8BF241",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsThrottlesuserserviceDD17A3FB",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsErrorsstreamrelay59ABF34E",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsThrottlesstreamrelay124ABC11",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsErrorsprojector0EA6D488",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsThrottlesprojector9D671F1E",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsErrorsmailer64869C0D",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsThrottlesmailer5C43818A",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDynamoDbThrottleseventstoreB47291BB",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDynamoDbThrottlesreadmodel376DC3D3",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDynamoDbThrottlesreadmodelgreenCA854064",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDynamoDbThrottlesratelimits1B4A893B",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDynamoDbThrottlessentmails8654F6FA",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsApi5xxRate5558D5F1",
                  "Arn",
                ],
              },
              "\\"]}},{\\"type\\":\\"metric\\",\\"width\\":12,\\"height\\":6,\\"x\\":0,\\"y\\":8,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"API: requests and errors\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/ApiGateway\\",\\"Count\\",\\"ApiId\\",\\"",
              Object {
                "Ref": "UserServiceApi54E23B5B",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"SampleCount\\"}],[\\"AWS/ApiGateway\\",\\"4xx\\",\\"ApiId\\",\\"",
              Object {
                "Ref": "UserServiceApi54E23B5B",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/ApiGateway\\",\\"5xx\\",\\"ApiId\\",\\"",
              Object {
                "Ref": "UserServiceApi54E23B5B",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/ApiGateway\\",\\"Latency\\",\\"ApiId\\",\\"",
              Object {
                "Ref": "UserServiceApi54E23B5B",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"p99\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":12,\\"height\\":6,\\"x\\":12,\\"y\\":8,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"Relay: iterator age (ms)\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/Lambda\\",\\"IteratorAge\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "StreamRelayFunctionA4B414DB",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Maximum\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":8,\\"height\\":6,\\"x\\":0,\\"y\\":14,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"user-service: invocations, errors, throttles\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/Lambda\\",\\"Invocations\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "UserServiceFunctionCE800461",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Errors\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "UserServiceFunctionCE800461",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Throttles\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "UserServiceFunctionCE800461",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Duration\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "UserServiceFunctionCE800461",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"p99\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":8,\\"height\\":6,\\"x\\":8,\\"y\\":14,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"stream-relay: invocations, errors, throttles\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/Lambda\\",\\"Invocations\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "StreamRelayFunctionA4B414DB",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Errors\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "StreamRelayFunctionA4B414DB",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Throttles\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "StreamRelayFunctionA4B414DB",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Duration\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "StreamRelayFunctionA4B414DB",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"p99\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":8,\\"height\\":6,\\"x\\":16,\\"y\\":14,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"projector: invocations, errors, throttles\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/Lambda\\",\\"Invocations\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "ProjectorFunction88B3C6A2",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Errors\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "ProjectorFunction88B3C6A2",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Throttles\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "ProjectorFunction88B3C6A2",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Duration\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "ProjectorFunction88B3C6A2",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"p99\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":8,\\"height\\":6,\\"x\\":0,\\"y\\":20,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"mailer: invocations, errors, throttles\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/Lambda\\",\\"Invocations\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "MailerFunction68771276",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Errors\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "MailerFunction68771276",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Throttles\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "MailerFunction68771276",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Sum\\"}],[\\"AWS/Lambda\\",\\"Duration\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "MailerFunction68771276",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"p99\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":12,\\"height\\":6,\\"x\\":0,\\"y\\":26,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"projector: queue depth and oldest message (s)\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/SQS\\",\\"ApproximateNumberOfMessagesVisible\\",\\"QueueName\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorQueue078FA593",
                  "QueueName",
                ],
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Maximum\\"}],[\\"AWS/SQS\\",\\"ApproximateAgeOfOldestMessage\\",\\"QueueName\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorQueue078FA593",
                  "QueueName",
                ],
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Maximum\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":12,\\"height\\":6,\\"x\\":12,\\"y\\":26,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"mailer: queue depth and oldest message (s)\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/SQS\\",\\"ApproximateNumberOfMessagesVisible\\",\\"QueueName\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerQueueD3BFF403",
                  "QueueName",
                ],
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Maximum\\"}],[\\"AWS/SQS\\",\\"ApproximateAgeOfOldestMessage\\",\\"QueueName\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerQueueD3BFF403",
                  "QueueName",
                ],
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Maximum\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":24,\\"height\\":6,\\"x\\":0,\\"y\\":32,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"Dead letters\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/SQS\\",\\"ApproximateNumberOfMessagesVisible\\",\\"QueueName\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "StreamRelayFailureQueue0C08D702",
                  "QueueName",
                ],
              },
              "\\",{\\"label\\":\\"relay-failures\\",\\"period\\":60,\\"stat\\":\\"Maximum\\"}],[\\"AWS/SQS\\",\\"ApproximateNumberOfMessagesVisible\\",\\"QueueName\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "StreamRelayParkingQueue7A8D3158",
                  "QueueName",
                ],
              },
              "\\",{\\"label\\":\\"relay-parking\\",\\"period\\":60,\\"stat\\":\\"Maximum\\"}],[\\"AWS/SQS\\",\\"ApproximateNumberOfMessagesVisible\\",\\"QueueName\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
                  "QueueName",
                ],
              },
              "\\",{\\"label\\":\\"projector\\",\\"period\\":60,\\"stat\\":\\"Maximum\\"}],[\\"AWS/SQS\\",\\"ApproximateNumberOfMessagesVisible\\",\\"QueueName\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "EventsConsumermailerDeadLetterQueue99D77A35",
                  "QueueName",
                ],
              },
              "\\",{\\"label\\":\\"mailer\\",\\"period\\":60,\\"stat\\":\\"Maximum\\"}]],\\"yAxis\\":{}}}]}",
            ],
          ],
        },
      },
      "Type": "AWS::CloudWatch::Dashboard",
    },
    "OperationsDeadLettersmailer723D9FFC": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "Messages are in the mailer dead-letter queue (failed 5 times): fix the cause, then pnpm redrive --consumer mailer.",
        "AlarmName": "UserService-prod-DeadLetters-mailer",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "QueueName",
            "Value": Object {
              "Fn::GetAtt": Array [
                "EventsConsumermailerDeadLetterQueue99D77A35",
                "QueueName",
              ],
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Namespace": "AWS/SQS",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDeadLettersprojectorAC851DF6": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "Messages are in the projector dead-letter queue (failed 5 times): fix the cause, then pnpm redrive --consumer projector.",
        "AlarmName": "UserService-prod-DeadLetters-projector",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "QueueName",
            "Value": Object {
              "Fn::GetAtt": Array [
                "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
                "QueueName",
              ],
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Namespace": "AWS/SQS",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDeadLettersrelayfailures54FAACD8": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "Messages are waiting in the relay-failures queue: inspect them, fix the cause, then act.",
        "AlarmName": "UserService-prod-DeadLetters-relay-failures",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "QueueName",
            "Value": Object {
              "Fn::GetAtt": Array [
                "StreamRelayFailureQueue0C08D702",
                "QueueName",
              ],
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Namespace": "AWS/SQS",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDeadLettersrelayparkingCA5C3D53": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "Messages are waiting in the relay-parking queue: inspect them, fix the cause, then act.",
        "AlarmName": "UserService-prod-DeadLetters-relay-parking",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "QueueName",
            "Value": Object {
              "Fn::GetAtt": Array [
                "StreamRelayParkingQueue7A8D3158",
                "QueueName",
              ],
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Namespace": "AWS/SQS",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDynamoDbThrottleseventstoreB47291BB": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "DynamoDB throttled reads or writes of the event-store table (an on-demand table past its previous peak, or a hot key).",
        "AlarmName": "UserService-prod-DynamoDbThrottles-event-store",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "Metrics": Array [
          Object {
            "Expression": "reads + writes",
            "Id": "expr_1",
            "Label": "event-store throttled requests",
            "ReturnData": true,
          },
          Object {
            "Id": "reads",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefEventStoreTable9A84AAAA66CD143F",
                    },
                  },
                ],
                "MetricName": "ReadThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
          Object {
            "Id": "writes",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefEventStoreTable9A84AAAA66CD143F",
                    },
                  },
                ],
                "MetricName": "WriteThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
        ],
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDynamoDbThrottlesratelimits1B4A893B": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "DynamoDB throttled reads or writes of the rate-limits table (an on-demand table past its previous peak, or a hot key).",
        "AlarmName": "UserService-prod-DynamoDbThrottles-rate-limits",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "Metrics": Array [
          Object {
            "Expression": "reads + writes",
            "Id": "expr_1",
            "Label": "rate-limits throttled requests",
            "ReturnData": true,
          },
          Object {
            "Id": "reads",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Ref": "RateLimitsTable29A563C1",
                    },
                  },
                ],
                "MetricName": "ReadThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
          Object {
            "Id": "writes",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Ref": "RateLimitsTable29A563C1",
                    },
                  },
                ],
                "MetricName": "WriteThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
        ],
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDynamoDbThrottlesreadmodel376DC3D3": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "DynamoDB throttled reads or writes of the read-model table (an on-demand table past its previous peak, or a hot key).",
        "AlarmName": "UserService-prod-DynamoDbThrottles-read-model",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "Metrics": Array [
          Object {
            "Expression": "reads + writes",
            "Id": "expr_1",
            "Label": "read-model throttled requests",
            "ReturnData": true,
          },
          Object {
            "Id": "reads",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefReadModelTable152641BFD6D0FA4A",
                    },
                  },
                ],
                "MetricName": "ReadThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
          Object {
            "Id": "writes",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefReadModelTable152641BFD6D0FA4A",
                    },
                  },
                ],
                "MetricName": "WriteThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
        ],
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDynamoDbThrottlesreadmodelgreenCA854064": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "DynamoDB throttled reads or writes of the read-model-green table (an on-demand table past its previous peak, or a hot key).",
        "AlarmName": "UserService-prod-DynamoDbThrottles-read-model-green",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "Metrics": Array [
          Object {
            "Expression": "reads + writes",
            "Id": "expr_1",
            "Label": "read-model-green throttled requests",
            "ReturnData": true,
          },
          Object {
            "Id": "reads",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefReadModelGreenTable3F4ACFA269E45A2E",
                    },
                  },
                ],
                "MetricName": "ReadThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
          Object {
            "Id": "writes",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefReadModelGreenTable3F4ACFA269E45A2E",
                    },
                  },
                ],
                "MetricName": "WriteThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
        ],
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsDynamoDbThrottlessentmails8654F6FA": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "DynamoDB throttled reads or writes of the sent-mails table (an on-demand table past its previous peak, or a hot key).",
        "AlarmName": "UserService-prod-DynamoDbThrottles-sent-mails",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "Metrics": Array [
          Object {
            "Expression": "reads + writes",
            "Id": "expr_1",
            "Label": "sent-mails throttled requests",
            "ReturnData": true,
          },
          Object {
            "Id": "reads",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Ref": "MailerSentMails88BFB948",
                    },
                  },
                ],
                "MetricName": "ReadThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
          Object {
            "Id": "writes",
            "MetricStat": Object {
              "Metric": Object {
                "Dimensions": Array [
                  Object {
                    "Name": "TableName",
                    "Value": Object {
                      "Ref": "MailerSentMails88BFB948",
                    },
                  },
                ],
                "MetricName": "WriteThrottleEvents",
                "Namespace": "AWS/DynamoDB",
              },
              "Period": 300,
              "Stat": "Sum",
            },
            "ReturnData": false,
          },
        ],
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsErrorsmailer64869C0D": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The mailer function failed invocations: its logs.",
        "AlarmName": "UserService-prod-Errors-mailer",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "MailerFunction68771276",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "Errors",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsErrorsprojector0EA6D488": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The projector function failed invocations: its logs.",
        "AlarmName": "UserService-prod-Errors-projector",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "ProjectorFunction88B3C6A2",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "Errors",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsErrorsstreamrelay59ABF34E": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The stream-relay function failed invocations: its logs.",
        "AlarmName": "UserService-prod-Errors-stream-relay",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "StreamRelayFunctionA4B414DB",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "Errors",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsErrorsuserserviceDE8BF241": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The user-service function failed invocations: its logs.",
        "AlarmName": "UserService-prod-Errors-user-service",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "UserServiceFunctionCE800461",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "Errors",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsEventsFailedmailer7C0CB462": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The mailer consumer failed to process events (they are retried, then dead-lettered): its logs.",
        "AlarmName": "UserService-prod-EventsFailed-mailer",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "service",
            "Value": "mailer",
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "EventsFailed",
        "Namespace": "UserService",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsEventsFailedprojector0B4A1F61": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The projector consumer failed to process events (they are retried, then dead-lettered): its logs.",
        "AlarmName": "UserService-prod-EventsFailed-projector",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "service",
            "Value": "projector",
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "EventsFailed",
        "Namespace": "UserService",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsOldestMessagemailer2BE7ABC0": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The mailer queue holds a message older than 5 minutes: its consumer is down or too slow.",
        "AlarmName": "UserService-prod-OldestMessage-mailer",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "QueueName",
            "Value": Object {
              "Fn::GetAtt": Array [
                "EventsConsumermailerQueueD3BFF403",
                "QueueName",
              ],
            },
          },
        ],
        "EvaluationPeriods": 3,
        "MetricName": "ApproximateAgeOfOldestMessage",
        "Namespace": "AWS/SQS",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 300,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsOldestMessageprojector48D6B144": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The projector queue holds a message older than 5 minutes: its consumer is down or too slow.",
        "AlarmName": "UserService-prod-OldestMessage-projector",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "QueueName",
            "Value": Object {
              "Fn::GetAtt": Array [
                "EventsConsumerprojectorQueue078FA593",
                "QueueName",
              ],
            },
          },
        ],
        "EvaluationPeriods": 3,
        "MetricName": "ApproximateAgeOfOldestMessage",
        "Namespace": "AWS/SQS",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 300,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsProjectionLagmailerDF97F3CE": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "An event took more than 30 seconds from append to the mailer consumer.",
        "AlarmName": "UserService-prod-ProjectionLag-mailer",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "service",
            "Value": "mailer",
          },
        ],
        "EvaluationPeriods": 2,
        "MetricName": "ProjectionLagMs",
        "Namespace": "UserService",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Maximum",
        "Threshold": 30000,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsProjectionLagprojector61605CC4": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "An event took more than 30 seconds from append to the projector consumer.",
        "AlarmName": "UserService-prod-ProjectionLag-projector",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "service",
            "Value": "projector",
          },
        ],
        "EvaluationPeriods": 2,
        "MetricName": "ProjectionLagMs",
        "Namespace": "UserService",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Maximum",
        "Threshold": 30000,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsRelayDestinationDeliveryFailuresF2CBD27A": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The stream mapping could not record an expired batch in the relay's failure queue: those records are known only from the event store now. Run pnpm republish for the period.",
        "AlarmName": "UserService-prod-RelayDestinationDeliveryFailures",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "StreamRelayFunctionA4B414DB",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "DestinationDeliveryFailures",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsRelayIteratorAge51BCF4A6": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The stream relay is more than 1 minute behind the event store (SNS or KMS failing or throttled, or the relay failing): see infra/README.md, \\"The relay was down\\".",
        "AlarmName": "UserService-prod-RelayIteratorAge",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "StreamRelayFunctionA4B414DB",
            },
          },
        ],
        "EvaluationPeriods": 3,
        "MetricName": "IteratorAge",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 60000,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsRelayPublishFailures2E221F04": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The relay failed to publish to SNS for 15 minutes: it retries until the records are 24 hours old.",
        "AlarmName": "UserService-prod-RelayPublishFailures",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "service",
            "Value": "stream-relay",
          },
        ],
        "EvaluationPeriods": 3,
        "MetricName": "PublishFailures",
        "Namespace": "UserService",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsRelayRecordsParked7AF7B2D1": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The relay parked stream records it could not turn into messages: read them in the parking queue.",
        "AlarmName": "UserService-prod-RelayRecordsParked",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "service",
            "Value": "stream-relay",
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "RecordsParked",
        "Namespace": "UserService",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsSubscriptionDeadLettersmailer5B003B47": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "SNS could not deliver events to the mailer queue (its key or policy): fix it, then pnpm republish for the period.",
        "AlarmName": "UserService-prod-SubscriptionDeadLetters-mailer",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "QueueName",
            "Value": Object {
              "Fn::GetAtt": Array [
                "EventsConsumermailerSubscriptionDeadLetterQueueADA3DEF4",
                "QueueName",
              ],
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Namespace": "AWS/SQS",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsSubscriptionDeadLettersprojector24C460AE": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "SNS could not deliver events to the projector queue (its key or policy): fix it, then pnpm republish for the period.",
        "AlarmName": "UserService-prod-SubscriptionDeadLetters-projector",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "QueueName",
            "Value": Object {
              "Fn::GetAtt": Array [
                "EventsConsumerprojectorSubscriptionDeadLetterQueueF98AB76D",
                "QueueName",
              ],
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "ApproximateNumberOfMessagesVisible",
        "Namespace": "AWS/SQS",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 60,
        "Statistic": "Maximum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsThrottlesmailer5C43818A": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The mailer function was throttled: its reserved concurrency or the account's limit is too low.",
        "AlarmName": "UserService-prod-Throttles-mailer",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "MailerFunction68771276",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "Throttles",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsThrottlesprojector9D671F1E": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The projector function was throttled: its reserved concurrency or the account's limit is too low.",
        "AlarmName": "UserService-prod-Throttles-projector",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "ProjectorFunction88B3C6A2",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "Throttles",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsThrottlesstreamrelay124ABC11": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The stream-relay function was throttled: its reserved concurrency or the account's limit is too low.",
        "AlarmName": "UserService-prod-Throttles-stream-relay",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "StreamRelayFunctionA4B414DB",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "Throttles",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperationsThrottlesuserserviceDD17A3FB": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The user-service function was throttled: its reserved concurrency or the account's limit is too low.",
        "AlarmName": "UserService-prod-Throttles-user-service",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "FunctionName",
            "Value": Object {
              "Ref": "UserServiceFunctionCE800461",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "Throttles",
        "Namespace": "AWS/Lambda",
        "OKActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching",
      },
      "Type": "AWS::CloudWatch::Alarm",
    },
    "OperatorAccessPolicy98D96132": Object {
      "Properties": Object {
        "Description": "User service operators: pnpm redrive, projection-status, republish and rebuild-read-model against AWS",
        "Path": "/",
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": Array [
                "sqs:CancelMessageMoveTask",
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:ListMessageMoveTasks",
                "sqs:ReceiveMessage",
                "sqs:StartMessageMoveTask",
              ],
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumermailerDeadLetterQueue99D77A35",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
                    "Arn",
                  ],
                },
              ],
              "Sid": "RedriveFromDeadLetterQueues",
            },
            Object {
              "Action": "sqs:SendMessage",
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumermailerQueueD3BFF403",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumerprojectorQueue078FA593",
                    "Arn",
                  ],
                },
              ],
              "Sid": "RedriveIntoConsumerQueues",
            },
            Object {
              "Action": Array [
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
              ],
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumermailerDeadLetterQueue99D77A35",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumermailerQueueD3BFF403",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumermailerSubscriptionDeadLetterQueueADA3DEF4",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumerprojectorQueue078FA593",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "EventsConsumerprojectorSubscriptionDeadLetterQueueF98AB76D",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "StreamRelayFailureQueue0C08D702",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "StreamRelayParkingQueue7A8D3158",
                    "Arn",
                  ],
                },
              ],
              "Sid": "InspectQueues",
            },
            Object {
              "Action": "dynamodb:GetItem",
              "Condition": Object {
                "ForAllValues:StringLike": Object {
                  "dynamodb:LeadingKeys": Array [
                    "control#*",
                  ],
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttReadModelTable152641BFArn9BBBC704",
              },
              "Sid": "ReadReadModelControlItems",
            },
            Object {
              "Action": "cloudwatch:GetMetricData",
              "Effect": "Allow",
              "Resource": "*",
              "Sid": "ReadLag",
            },
            Object {
              "Action": Array [
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:Query",
                "dynamodb:Scan",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAArn288B7554",
              },
              "Sid": "ReadEventStore",
            },
            Object {
              "Action": "sns:Publish",
              "Effect": "Allow",
              "Resource": Object {
                "Ref": "EventsTopic97220A64",
              },
              "Sid": "Republish",
            },
            Object {
              "Action": Array [
                "dynamodb:BatchWriteItem",
                "dynamodb:DeleteItem",
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:Query",
                "dynamodb:Scan",
                "dynamodb:UpdateItem",
              ],
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttReadModelGreenTable3F4ACFA2Arn8803ECEE",
                },
                Object {
                  "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttReadModelTable152641BFArn9BBBC704",
                },
              ],
              "Sid": "RebuildReadModel",
            },
            Object {
              "Action": "kms:Decrypt",
              "Condition": Object {
                "Null": Object {
                  "kms:EncryptionContext:subject": "false",
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
              },
              "Sid": "UnwrapUserDataKeys",
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:GenerateDataKey",
              ],
              "Condition": Object {
                "StringEquals": Object {
                  "kms:ViaService": Object {
                    "Fn::Join": Array [
                      "",
                      Array [
                        "sqs.eu-west-1.",
                        Object {
                          "Ref": "AWS::URLSuffix",
                        },
                      ],
                    ],
                  },
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsQueueKey613467D1",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:GenerateDataKey",
              ],
              "Condition": Object {
                "StringEquals": Object {
                  "kms:ViaService": Object {
                    "Fn::Join": Array [
                      "",
                      Array [
                        "sns.eu-west-1.",
                        Object {
                          "Ref": "AWS::URLSuffix",
                        },
                      ],
                    ],
                  },
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsTopicKey156A8EC3",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey",
              ],
              "Condition": Object {
                "StringEquals": Object {
                  "kms:ViaService": Object {
                    "Fn::Join": Array [
                      "",
                      Array [
                        "dynamodb.eu-west-1.",
                        Object {
                          "Ref": "AWS::URLSuffix",
                        },
                      ],
                    ],
                  },
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070",
              },
            },
          ],
          "Version": "2012-10-17",
        },
      },
      "Type": "AWS::IAM::ManagedPolicy",
    },
    "ProjectorFunction88B3C6A2": Object {
      "DependsOn": Array [
        "ProjectorRoleDefaultPolicyC5A705E6",
        "ProjectorRole1E7873EF",
      ],
      "Properties": Object {
        "Architectures": Array [
          "arm64",
        ],
        "Code": Object {
          "S3Bucket": "cdk-hnb659fds-assets-111122223333-eu-west-1",
          "S3Key": "[asset hash].zip",
        },
        "Description": "Projects user events from its SQS FIFO queue into the user read model",
        "Environment": Object {
          "Variables": Object {
            "EVENT_STORE": "dynamodb",
            "EVENT_STORE_TABLE": Object {
              "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefEventStoreTable9A84AAAA66CD143F",
            },
            "KMS_KEY_ID": Object {
              "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
            },
            "LOG_LEVEL": "info",
            "POWERTOOLS_METRICS_NAMESPACE": "UserService",
            "POWERTOOLS_SERVICE_NAME": "projector",
            "READ_MODEL": "dynamodb",
            "READ_MODEL_GREEN_TABLE": Object {
              "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefReadModelGreenTable3F4ACFA269E45A2E",
            },
            "READ_MODEL_TABLE": Object {
              "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefReadModelTable152641BFD6D0FA4A",
            },
          },
        },
        "Handler": "index.handler",
        "LoggingConfig": Object {
          "LogGroup": Object {
            "Ref": "ProjectorLogsA7F2FDAB",
          },
        },
        "MemorySize": 256,
        "ReservedConcurrentExecutions": 10,
        "Role": Object {
          "Fn::GetAtt": Array [
            "ProjectorRole1E7873EF",
            "Arn",
          ],
        },
        "Runtime": "nodejs22.x",
        "Timeout": 30,
        "TracingConfig": Object {
          "Mode": "Active",
        },
      },
      "Type": "AWS::Lambda::Function",
    },
    "ProjectorFunctionSqsEventSourceUserServiceprodServiceEventsConsumerprojectorQueue0186B753D69E49AB": Object {
      "Properties": Object {
        "BatchSize": 10,
        "EventSourceArn": Object {
          "Fn::GetAtt": Array [
            "EventsConsumerprojectorQueue078FA593",
            "Arn",
          ],
        },
        "FunctionName": Object {
          "Ref": "ProjectorFunction88B3C6A2",
        },
        "FunctionResponseTypes": Array [
          "ReportBatchItemFailures",
        ],
        "ScalingConfig": Object {
          "MaximumConcurrency": 10,
        },
      },
      "Type": "AWS::Lambda::EventSourceMapping",
    },
    "ProjectorLogsA7F2FDAB": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "RetentionInDays": 90,
      },
      "Type": "AWS::Logs::LogGroup",
      "UpdateReplacePolicy": "Retain",
    },
    "ProjectorRole1E7873EF": Object {
      "Properties": Object {
        "AssumeRolePolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sts:AssumeRole",
              "Effect": "Allow",
              "Principal": Object {
                "Service": "lambda.amazonaws.com",
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Description": "Runs: Projects user events from its SQS FIFO queue into the user read model",
      },
      "Type": "AWS::IAM::Role",
    },
    "ProjectorRoleDefaultPolicyC5A705E6": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": Array [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "ProjectorLogsA7F2FDAB",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "xray:PutTelemetryRecords",
                "xray:PutTraceSegments",
              ],
              "Effect": "Allow",
              "Resource": "*",
            },
            Object {
              "Action": Array [
                "sqs:ChangeMessageVisibility",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:ReceiveMessage",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsConsumerprojectorQueue078FA593",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": "kms:Decrypt",
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::GetAtt": Array [
                    "EventsQueueKey613467D1",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070",
                },
              ],
            },
            Object {
              "Action": Array [
                "dynamodb:BatchGetItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:ConditionCheckItem",
                "dynamodb:DeleteItem",
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:PutItem",
                "dynamodb:Query",
                "dynamodb:Scan",
                "dynamodb:UpdateItem",
              ],
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttReadModelGreenTable3F4ACFA2Arn8803ECEE",
                },
                Object {
                  "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttReadModelTable152641BFArn9BBBC704",
                },
              ],
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070",
              },
            },
            Object {
              "Action": Array [
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:Query",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAArn288B7554",
              },
            },
            Object {
              "Action": "kms:Decrypt",
              "Condition": Object {
                "Null": Object {
                  "kms:EncryptionContext:subject": "false",
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "PolicyName": "ProjectorRoleDefaultPolicyC5A705E6",
        "Roles": Array [
          Object {
            "Ref": "ProjectorRole1E7873EF",
          },
        ],
      },
      "Type": "AWS::IAM::Policy",
    },
    "RateLimitsTable29A563C1": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "AttributeDefinitions": Array [
          Object {
            "AttributeName": "key",
            "AttributeType": "S",
          },
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": Array [
          Object {
            "AttributeName": "key",
            "KeyType": "HASH",
          },
        ],
        "SSESpecification": Object {
          "SSEEnabled": true,
        },
        "TimeToLiveSpecification": Object {
          "AttributeName": "expiresAt",
          "Enabled": true,
        },
      },
      "Type": "AWS::DynamoDB::Table",
      "UpdateReplacePolicy": "Delete",
    },
    "StreamRelayFailureQueue0C08D702": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
        "MessageRetentionPeriod": 1209600,
      },
      "Type": "AWS::SQS::Queue",
      "UpdateReplacePolicy": "Retain",
    },
    "StreamRelayFailureQueuePolicyF5FB79E2": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sqs:*",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": Object {
                "AWS": "*",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "StreamRelayFailureQueue0C08D702",
                  "Arn",
                ],
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Queues": Array [
          Object {
            "Ref": "StreamRelayFailureQueue0C08D702",
          },
        ],
      },
      "Type": "AWS::SQS::QueuePolicy",
    },
    "StreamRelayFunctionA4B414DB": Object {
      "DependsOn": Array [
        "StreamRelayRoleDefaultPolicyD72B1C59",
        "StreamRelayRoleB1F239C1",
      ],
      "Properties": Object {
        "Architectures": Array [
          "arm64",
        ],
        "Code": Object {
          "S3Bucket": "cdk-hnb659fds-assets-111122223333-eu-west-1",
          "S3Key": "[asset hash].zip",
        },
        "Description": "Relays inserted events from the event-store stream to the SNS FIFO topic",
        "Environment": Object {
          "Variables": Object {
            "EVENT_STORE_TABLE": Object {
              "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefEventStoreTable9A84AAAA66CD143F",
            },
            "KMS_KEY_ID": Object {
              "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
            },
            "LOG_LEVEL": "info",
            "PARKING_QUEUE_URL": Object {
              "Ref": "StreamRelayParkingQueue7A8D3158",
            },
            "POWERTOOLS_METRICS_NAMESPACE": "UserService",
            "POWERTOOLS_SERVICE_NAME": "stream-relay",
            "TOPIC_ARN": Object {
              "Ref": "EventsTopic97220A64",
            },
          },
        },
        "Handler": "index.handler",
        "LoggingConfig": Object {
          "LogGroup": Object {
            "Ref": "StreamRelayLogs6B2690F6",
          },
        },
        "MemorySize": 256,
        "ReservedConcurrentExecutions": 10,
        "Role": Object {
          "Fn::GetAtt": Array [
            "StreamRelayRoleB1F239C1",
            "Arn",
          ],
        },
        "Runtime": "nodejs22.x",
        "Timeout": 60,
        "TracingConfig": Object {
          "Mode": "Active",
        },
      },
      "Type": "AWS::Lambda::Function",
    },
    "StreamRelayFunctionDynamoDBEventSourceUserServiceprodStatefulEventStoreTable349DAAE22A8A4D41": Object {
      "Properties": Object {
        "BatchSize": 100,
        "BisectBatchOnFunctionError": true,
        "DestinationConfig": Object {
          "OnFailure": Object {
            "Destination": Object {
              "Fn::GetAtt": Array [
                "StreamRelayFailureQueue0C08D702",
                "Arn",
              ],
            },
          },
        },
        "EventSourceArn": Object {
          "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAStreamArnE9E4C6DB",
        },
        "FilterCriteria": Object {
          "Filters": Array [
            Object {
              "Pattern": "{\\"eventName\\":[\\"INSERT\\"],\\"dynamodb\\":{\\"NewImage\\":{\\"itemType\\":{\\"S\\":[\\"event\\"]}}}}",
            },
          ],
        },
        "FunctionName": Object {
          "Ref": "StreamRelayFunctionA4B414DB",
        },
        "FunctionResponseTypes": Array [
          "ReportBatchItemFailures",
        ],
        "MaximumRecordAgeInSeconds": 86400,
        "MaximumRetryAttempts": -1,
        "StartingPosition": "TRIM_HORIZON",
      },
      "Type": "AWS::Lambda::EventSourceMapping",
    },
    "StreamRelayLogs6B2690F6": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "RetentionInDays": 90,
      },
      "Type": "AWS::Logs::LogGroup",
      "UpdateReplacePolicy": "Retain",
    },
    "StreamRelayParkingQueue7A8D3158": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "KmsMasterKeyId": Object {
          "Fn::GetAtt": Array [
            "EventsQueueKey613467D1",
            "Arn",
          ],
        },
        "MessageRetentionPeriod": 1209600,
      },
      "Type": "AWS::SQS::Queue",
      "UpdateReplacePolicy": "Retain",
    },
    "StreamRelayParkingQueuePolicyCB524F09": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sqs:*",
              "Condition": Object {
                "Bool": Object {
                  "aws:SecureTransport": "false",
                },
              },
              "Effect": "Deny",
              "Principal": Object {
                "AWS": "*",
              },
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "StreamRelayParkingQueue7A8D3158",
                  "Arn",
                ],
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Queues": Array [
          Object {
            "Ref": "StreamRelayParkingQueue7A8D3158",
          },
        ],
      },
      "Type": "AWS::SQS::QueuePolicy",
    },
    "StreamRelayRoleB1F239C1": Object {
      "Properties": Object {
        "AssumeRolePolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sts:AssumeRole",
              "Effect": "Allow",
              "Principal": Object {
                "Service": "lambda.amazonaws.com",
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Description": "Runs: Relays inserted events from the event-store stream to the SNS FIFO topic",
      },
      "Type": "AWS::IAM::Role",
    },
    "StreamRelayRoleDefaultPolicyD72B1C59": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": Array [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "StreamRelayLogs6B2690F6",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "dynamodb:ListStreams",
                "xray:PutTelemetryRecords",
                "xray:PutTraceSegments",
              ],
              "Effect": "Allow",
              "Resource": "*",
            },
            Object {
              "Action": Array [
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:SendMessage",
              ],
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::GetAtt": Array [
                    "StreamRelayFailureQueue0C08D702",
                    "Arn",
                  ],
                },
                Object {
                  "Fn::GetAtt": Array [
                    "StreamRelayParkingQueue7A8D3158",
                    "Arn",
                  ],
                },
              ],
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:GenerateDataKey",
              ],
              "Condition": Object {
                "StringEquals": Object {
                  "kms:ViaService": Object {
                    "Fn::Join": Array [
                      "",
                      Array [
                        "sqs.eu-west-1.",
                        Object {
                          "Ref": "AWS::URLSuffix",
                        },
                      ],
                    ],
                  },
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsQueueKey613467D1",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:DescribeKey",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070",
              },
            },
            Object {
              "Action": Array [
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAStreamArnE9E4C6DB",
              },
            },
            Object {
              "Action": "sns:Publish",
              "Effect": "Allow",
              "Resource": Object {
                "Ref": "EventsTopic97220A64",
              },
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:GenerateDataKey",
              ],
              "Condition": Object {
                "StringEquals": Object {
                  "kms:ViaService": Object {
                    "Fn::Join": Array [
                      "",
                      Array [
                        "sns.eu-west-1.",
                        Object {
                          "Ref": "AWS::URLSuffix",
                        },
                      ],
                    ],
                  },
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsTopicKey156A8EC3",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": "dynamodb:GetItem",
              "Condition": Object {
                "ForAllValues:StringLike": Object {
                  "dynamodb:LeadingKeys": Array [
                    "key#*",
                  ],
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAArn288B7554",
              },
            },
            Object {
              "Action": "kms:Decrypt",
              "Condition": Object {
                "Null": Object {
                  "kms:EncryptionContext:subject": "false",
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "PolicyName": "StreamRelayRoleDefaultPolicyD72B1C59",
        "Roles": Array [
          Object {
            "Ref": "StreamRelayRoleB1F239C1",
          },
        ],
      },
      "Type": "AWS::IAM::Policy",
    },
    "UserServiceAccessLogs83E2AF6C": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "RetentionInDays": 90,
      },
      "Type": "AWS::Logs::LogGroup",
      "UpdateReplacePolicy": "Retain",
    },
    "UserServiceApi54E23B5B": Object {
      "Properties": Object {
        "Description": "User service",
        "Name": "Api",
        "ProtocolType": "HTTP",
      },
      "Type": "AWS::ApiGatewayV2::Api",
    },
    "UserServiceDefaultRoute50DE89BE": Object {
      "Properties": Object {
        "ApiId": Object {
          "Ref": "UserServiceApi54E23B5B",
        },
        "AuthorizationType": "NONE",
        "RouteKey": "$default",
        "Target": Object {
          "Fn::Join": Array [
            "",
            Array [
              "integrations/",
              Object {
                "Ref": "UserServiceDefaultRouteServiceBEA1554A",
              },
            ],
          ],
        },
      },
      "Type": "AWS::ApiGatewayV2::Route",
    },
    "UserServiceDefaultRouteServiceBEA1554A": Object {
      "Properties": Object {
        "ApiId": Object {
          "Ref": "UserServiceApi54E23B5B",
        },
        "IntegrationType": "AWS_PROXY",
        "IntegrationUri": Object {
          "Fn::GetAtt": Array [
            "UserServiceFunctionCE800461",
            "Arn",
          ],
        },
        "PayloadFormatVersion": "2.0",
      },
      "Type": "AWS::ApiGatewayV2::Integration",
    },
    "UserServiceDefaultRouteServicePermissionEFD7AAB5": Object {
      "Properties": Object {
        "Action": "lambda:InvokeFunction",
        "FunctionName": Object {
          "Fn::GetAtt": Array [
            "UserServiceFunctionCE800461",
            "Arn",
          ],
        },
        "Principal": "apigateway.amazonaws.com",
        "SourceArn": Object {
          "Fn::Join": Array [
            "",
            Array [
              "arn:aws:execute-api:eu-west-1:111122223333:",
              Object {
                "Ref": "UserServiceApi54E23B5B",
              },
              "/*/*",
            ],
          ],
        },
      },
      "Type": "AWS::Lambda::Permission",
    },
    "UserServiceFunctionCE800461": Object {
      "DependsOn": Array [
        "UserServiceRoleDefaultPolicy7831ACAB",
        "UserServiceRole513200BD",
      ],
      "Properties": Object {
        "Architectures": Array [
          "arm64",
        ],
        "Code": Object {
          "S3Bucket": "cdk-hnb659fds-assets-111122223333-eu-west-1",
          "S3Key": "[asset hash].zip",
        },
        "Description": "The user service HTTP API (Fastify)",
        "Environment": Object {
          "Variables": Object {
            "EVENT_STORE_TABLE": Object {
              "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefEventStoreTable9A84AAAA66CD143F",
            },
            "JWT_SECRET_ARN": Object {
              "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefJwtSecret4F1985F39D1ED6DA",
            },
            "KMS_KEY_ID": Object {
              "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
            },
            "LOG_LEVEL": "info",
            "MAILER": "ses",
            "POWERTOOLS_METRICS_NAMESPACE": "UserService",
            "POWERTOOLS_SERVICE_NAME": "user-service",
            "PUBLIC_URL": Object {
              "Fn::Join": Array [
                "",
                Array [
                  "https://",
                  Object {
                    "Ref": "UserServiceApi54E23B5B",
                  },
                  ".execute-api.eu-west-1.",
                  Object {
                    "Ref": "AWS::URLSuffix",
                  },
                  "/",
                ],
              ],
            },
            "RATE_LIMIT_TABLE": Object {
              "Ref": "RateLimitsTable29A563C1",
            },
            "READ_MODEL_GREEN_TABLE": Object {
              "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefReadModelGreenTable3F4ACFA269E45A2E",
            },
            "READ_MODEL_TABLE": Object {
              "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefReadModelTable152641BFD6D0FA4A",
            },
            "SES_FROM_ADDRESS": "no-reply@mail.users.example.org",
            "STORAGE": "dynamodb",
            "TRUST_PROXY": "false",
          },
        },
        "Handler": "index.handler",
        "LoggingConfig": Object {
          "LogGroup": Object {
            "Ref": "UserServiceLogs0C1A6486",
          },
        },
        "MemorySize": 1024,
        "Role": Object {
          "Fn::GetAtt": Array [
            "UserServiceRole513200BD",
            "Arn",
          ],
        },
        "Runtime": "nodejs22.x",
        "Timeout": 29,
        "TracingConfig": Object {
          "Mode": "Active",
        },
      },
      "Type": "AWS::Lambda::Function",
    },
    "UserServiceLogs0C1A6486": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "RetentionInDays": 90,
      },
      "Type": "AWS::Logs::LogGroup",
      "UpdateReplacePolicy": "Retain",
    },
    "UserServiceRole513200BD": Object {
      "Properties": Object {
        "AssumeRolePolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sts:AssumeRole",
              "Effect": "Allow",
              "Principal": Object {
                "Service": "lambda.amazonaws.com",
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "Description": "Runs: The user service HTTP API (Fastify)",
      },
      "Type": "AWS::IAM::Role",
    },
    "UserServiceRoleDefaultPolicy7831ACAB": Object {
      "Properties": Object {
        "PolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": Array [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "UserServiceLogs0C1A6486",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "xray:PutTelemetryRecords",
                "xray:PutTraceSegments",
              ],
              "Effect": "Allow",
              "Resource": "*",
            },
            Object {
              "Action": Array [
                "dynamodb:BatchGetItem",
                "dynamodb:ConditionCheckItem",
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:Query",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAArn288B7554",
              },
            },
            Object {
              "Action": "dynamodb:DeleteItem",
              "Condition": Object {
                "ForAllValues:StringLike": Object {
                  "dynamodb:LeadingKeys": Array [
                    "claim#*",
                    "idempotency#*",
                  ],
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAArn288B7554",
              },
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
              ],
              "Condition": Object {
                "StringEquals": Object {
                  "kms:ViaService": Object {
                    "Fn::Join": Array [
                      "",
                      Array [
                        "dynamodb.eu-west-1.",
                        Object {
                          "Ref": "AWS::URLSuffix",
                        },
                      ],
                    ],
                  },
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070",
              },
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:DescribeKey",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070",
              },
            },
            Object {
              "Action": Array [
                "dynamodb:BatchGetItem",
                "dynamodb:ConditionCheckItem",
                "dynamodb:DescribeTable",
                "dynamodb:GetItem",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:Query",
                "dynamodb:Scan",
              ],
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttReadModelGreenTable3F4ACFA2Arn8803ECEE",
                },
                Object {
                  "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttReadModelTable152641BFArn9BBBC704",
                },
              ],
            },
            Object {
              "Action": "dynamodb:Query",
              "Effect": "Allow",
              "Resource": Array [
                Object {
                  "Fn::Join": Array [
                    "",
                    Array [
                      Object {
                        "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttReadModelGreenTable3F4ACFA2Arn8803ECEE",
                      },
                      "/index/byEmail",
                    ],
                  ],
                },
                Object {
                  "Fn::Join": Array [
                    "",
                    Array [
                      Object {
                        "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttReadModelGreenTable3F4ACFA2Arn8803ECEE",
                      },
                      "/index/byUsername",
                    ],
                  ],
                },
                Object {
                  "Fn::Join": Array [
                    "",
                    Array [
                      Object {
                        "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttReadModelTable152641BFArn9BBBC704",
                      },
                      "/index/byEmail",
                    ],
                  ],
                },
                Object {
                  "Fn::Join": Array [
                    "",
                    Array [
                      Object {
                        "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttReadModelTable152641BFArn9BBBC704",
                      },
                      "/index/byUsername",
                    ],
                  ],
                },
              ],
            },
            Object {
              "Action": Array [
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputRefJwtSecret4F1985F39D1ED6DA",
              },
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:GenerateDataKey",
              ],
              "Condition": Object {
                "Null": Object {
                  "kms:EncryptionContext:subject": "false",
                },
              },
              "Effect": "Allow",
              "Resource": Object {
                "Fn::ImportValue": "UserService-prod-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
              },
            },
            Object {
              "Action": Array [
                "dynamodb:GetItem",
                "dynamodb:UpdateItem",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "RateLimitsTable29A563C1",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "ses:SendEmail",
                "ses:SendRawEmail",
              ],
              "Effect": "Allow",
              "Resource": Array [
                "arn:aws:ses:eu-west-1:111122223333:identity/mail.users.example.org",
                "arn:aws:ses:eu-west-1:111122223333:identity/no-reply@mail.users.example.org",
              ],
            },
          ],
          "Version": "2012-10-17",
        },
        "PolicyName": "UserServiceRoleDefaultPolicy7831ACAB",
        "Roles": Array [
          Object {
            "Ref": "UserServiceRole513200BD",
          },
        ],
      },
      "Type": "AWS::IAM::Policy",
    },
    "UserServiceRoutePOSTpasswordresets6F884FAE": Object {
      "Properties": Object {
        "ApiId": Object {
          "Ref": "UserServiceApi54E23B5B",
        },
        "AuthorizationType": "NONE",
        "RouteKey": "POST /password-resets",
        "Target": Object {
          "Fn::Join": Array [
            "",
            Array [
              "integrations/",
              Object {
                "Ref": "UserServiceDefaultRouteServiceBEA1554A",
              },
            ],
          ],
        },
      },
      "Type": "AWS::ApiGatewayV2::Route",
    },
    "UserServiceRoutePOSTpasswordresetsconfirm87707EFE": Object {
      "Properties": Object {
        "ApiId": Object {
          "Ref": "UserServiceApi54E23B5B",
        },
        "AuthorizationType": "NONE",
        "RouteKey": "POST /password-resets/confirm",
        "Target": Object {
          "Fn::Join": Array [
            "",
            Array [
              "integrations/",
              Object {
                "Ref": "UserServiceDefaultRouteServiceBEA1554A",
              },
            ],
          ],
        },
      },
      "Type": "AWS::ApiGatewayV2::Route",
    },
    "UserServiceRoutePOSTpasswordresetsconfirmServicePermission68635149": Object {
      "Properties": Object {
        "Action": "lambda:InvokeFunction",
        "FunctionName": Object {
          "Fn::GetAtt": Array [
            "UserServiceFunctionCE800461",
            "Arn",
          ],
        },
        "Principal": "apigateway.amazonaws.com",
        "SourceArn": Object {
          "Fn::Join": Array [
            "",
            Array [
              "arn:aws:execute-api:eu-west-1:111122223333:",
              Object {
                "Ref": "UserServiceApi54E23B5B",
              },
              "/*/*/password-resets/confirm",
            ],
          ],
        },
      },
      "Type": "AWS::Lambda::Permission",
    },
    "UserServiceRoutePOSTpasswordresetsServicePermissionF82D9D5E": Object {
      "Properties": Object {
        "Action": "lambda:InvokeFunction",
        "FunctionName": Object {
          "Fn::GetAtt": Array [
            "UserServiceFunctionCE800461",
            "Arn",
          ],
        },
        "Principal": "apigateway.amazonaws.com",
        "SourceArn": Object {
          "Fn::Join": Array [
            "",
            Array [
              "arn:aws:execute-api:eu-west-1:111122223333:",
              Object {
                "Ref": "UserServiceApi54E23B5B",
              },
              "/*/*/password-resets",
            ],
          ],
        },
      },
      "Type": "AWS::Lambda::Permission",
    },
    "UserServiceRoutePOSTsessions93C2D39A": Object {
      "Properties": Object {
        "ApiId": Object {
          "Ref": "UserServiceApi54E23B5B",
        },
        "AuthorizationType": "NONE",
        "RouteKey": "POST /sessions",
        "Target": Object {
          "Fn::Join": Array [
            "",
            Array [
              "integrations/",
              Object {
                "Ref": "UserServiceDefaultRouteServiceBEA1554A",
              },
            ],
          ],
        },
      },
      "Type": "AWS::ApiGatewayV2::Route",
    },
    "UserServiceRoutePOSTsessionsServicePermissionA16EE09D": Object {
      "Properties": Object {
        "Action": "lambda:InvokeFunction",
        "FunctionName": Object {
          "Fn::GetAtt": Array [
            "UserServiceFunctionCE800461",
            "Arn",
          ],
        },
        "Principal": "apigateway.amazonaws.com",
        "SourceArn": Object {
          "Fn::Join": Array [
            "",
            Array [
              "arn:aws:execute-api:eu-west-1:111122223333:",
              Object {
                "Ref": "UserServiceApi54E23B5B",
              },
              "/*/*/sessions",
            ],
          ],
        },
      },
      "Type": "AWS::Lambda::Permission",
    },
    "UserServiceStage76A6AA02": Object {
      "DependsOn": Array [
        "UserServiceRoutePOSTpasswordresetsconfirm87707EFE",
        "UserServiceRoutePOSTpasswordresetsconfirmServicePermission68635149",
        "UserServiceRoutePOSTpasswordresets6F884FAE",
        "UserServiceRoutePOSTpasswordresetsServicePermissionF82D9D5E",
        "UserServiceRoutePOSTsessions93C2D39A",
        "UserServiceRoutePOSTsessionsServicePermissionA16EE09D",
      ],
      "Properties": Object {
        "AccessLogSettings": Object {
          "DestinationArn": Object {
            "Fn::GetAtt": Array [
              "UserServiceAccessLogs83E2AF6C",
              "Arn",
            ],
          },
          "Format": "{\\"requestId\\":\\"$context.requestId\\",\\"integrationRequestId\\":\\"$context.integration.requestId\\",\\"ip\\":\\"$context.identity.sourceIp\\",\\"requestTime\\":\\"$context.requestTime\\",\\"method\\":\\"$context.httpMethod\\",\\"routeKey\\":\\"$context.routeKey\\",\\"path\\":\\"$context.path\\",\\"status\\":\\"$context.status\\",\\"protocol\\":\\"$context.protocol\\",\\"responseLength\\":\\"$context.responseLength\\",\\"latency\\":\\"$context.responseLatency\\",\\"integrationStatus\\":\\"$context.integration.status\\",\\"integrationLatency\\":\\"$context.integrationLatency\\",\\"integrationError\\":\\"$context.integrationErrorMessage\\"}",
        },
        "ApiId": Object {
          "Ref": "UserServiceApi54E23B5B",
        },
        "AutoDeploy": true,
        "DefaultRouteSettings": Object {
          "ThrottlingBurstLimit": 1000,
          "ThrottlingRateLimit": 500,
        },
        "RouteSettings": Object {
          "POST /password-resets": Object {
            "ThrottlingBurstLimit": 40,
            "ThrottlingRateLimit": 20,
          },
          "POST /password-resets/confirm": Object {
            "ThrottlingBurstLimit": 40,
            "ThrottlingRateLimit": 20,
          },
          "POST /sessions": Object {
            "ThrottlingBurstLimit": 40,
            "ThrottlingRateLimit": 20,
          },
        },
        "StageName": "$default",
      },
      "Type": "AWS::ApiGatewayV2::Stage",
    },
  },
  "Rules": Object {
    "CheckBootstrapVersion": Object {
      "Assertions": Array [
        Object {
          "Assert": Object {
            "Fn::Not": Array [
              Object {
                "Fn::Contains": Array [
                  Array [
                    "1",
                    "2",
                    "3",
                    "4",
                    "5",
                  ],
                  Object {
                    "Ref": "BootstrapVersion",
                  },
                ],
              },
            ],
          },
          "AssertDescription": "CDK bootstrap stack version 6 required. Please run 'cdk bootstrap' with a recent version of the CDK CLI.",
        },
      ],
    },
  },
}
`

exports[`test/snapshots.test.ts > TAP > UserService-prod-Stateful 1`] = `
Object {
  "Description": "User service (prod): event store and its backups, read model, JWT secret, data key",
  "Outputs": Object {
    "BackupVaultName": Object {
      "Value": Object {
        "Fn::GetAtt": Array [
          "BackupVaultADF21B19",
          "BackupVaultName",
        ],
      },
    },
    "EventStoreTableName": Object {
      "Value": Object {
        "Ref": "EventStoreTable9A84AAAA",
      },
    },
    "ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070": Object {
      "Export": Object {
        "Name": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreKey5FA2BC30ArnB4942070",
      },
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventStoreKey5FA2BC30",
          "Arn",
        ],
      },
    },
    "ExportsOutputFnGetAttEventStoreTable9A84AAAAArn288B7554": Object {
      "Export": Object {
        "Name": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAArn288B7554",
      },
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventStoreTable9A84AAAA",
          "Arn",
        ],
      },
    },
    "ExportsOutputFnGetAttEventStoreTable9A84AAAAStreamArnE9E4C6DB": Object {
      "Export": Object {
        "Name": "UserService-prod-Stateful:ExportsOutputFnGetAttEventStoreTable9A84AAAAStreamArnE9E4C6DB",
      },
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventStoreTable9A84AAAA",
          "StreamArn",
        ],
      },
    },
    "ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E": Object {
      "Export": Object {
        "Name": "UserService-prod-Stateful:ExportsOutputFnGetAttPersonalDataKey13F06DEDArn35520B7E",
      },
      "Value": Object {
        "Fn::GetAtt": Array [
          "PersonalDataKey13F06DED",
          "Arn",
        ],
      },
    },
    "ExportsOutputFnGetAttReadModelGreenTable3F4ACFA2Arn8803ECEE": Object {
      "Export": Object {
        "Name": "UserService-prod-Stateful:ExportsOutputFnGetAttReadModelGreenTable3F4ACFA2Arn8803ECEE",
      },
      "Value": Object {
        "Fn::GetAtt": Array [
          "ReadModelGreenTable3F4ACFA2",
          "Arn",
        ],
      },
    },
    "ExportsOutputFnGetAttReadModelTable152641BFArn9BBBC704": Object {
      "Export": Object {
        "Name": "UserService-prod-Stateful:ExportsOutputFnGetAttReadModelTable152641BFArn9BBBC704",
      },
      "Value": Object {
        "Fn::GetAtt": Array [
          "ReadModelTable152641BF",
          "Arn",
        ],
      },
    },
    "ExportsOutputRefEventStoreTable9A84AAAA66CD143F": Object {
      "Export": Object {
        "Name": "UserService-prod-Stateful:ExportsOutputRefEventStoreTable9A84AAAA66CD143F",
      },
      "Value": Object {
        "Ref": "EventStoreTable9A84AAAA",
      },
    },
    "ExportsOutputRefJwtSecret4F1985F39D1ED6DA": Object {
      "Export": Object {
        "Name": "UserService-prod-Stateful:ExportsOutputRefJwtSecret4F1985F39D1ED6DA",
      },
      "Value": Object {
        "Ref": "JwtSecret4F1985F3",
      },
    },
    "ExportsOutputRefReadModelGreenTable3F4ACFA269E45A2E": Object {
      "Export": Object {
        "Name": "UserService-prod-Stateful:ExportsOutputRefReadModelGreenTable3F4ACFA269E45A2E",
      },
      "Value": Object {
        "Ref": "ReadModelGreenTable3F4ACFA2",
      },
    },
    "ExportsOutputRefReadModelTable152641BFD6D0FA4A": Object {
      "Export": Object {
        "Name": "UserService-prod-Stateful:ExportsOutputRefReadModelTable152641BFD6D0FA4A",
      },
      "Value": Object {
        "Ref": "ReadModelTable152641BF",
      },
    },
    "JwtSecretArn": Object {
      "Value": Object {
        "Ref": "JwtSecret4F1985F3",
      },
    },
    "PersonalDataKeyArn": Object {
      "Value": Object {
        "Fn::GetAtt": Array [
          "PersonalDataKey13F06DED",
          "Arn",
        ],
      },
    },
    "ReadModelGreenTableName": Object {
      "Value": Object {
        "Ref": "ReadModelGreenTable3F4ACFA2",
      },
    },
    "ReadModelTableName": Object {
      "Value": Object {
        "Ref": "ReadModelTable152641BF",
      },
    },
  },
  "Parameters": Object {
    "BootstrapVersion": Object {
      "Default": "/cdk-bootstrap/hnb659fds/version",
      "Description": "Version of the CDK Bootstrap resources in this environment, automatically retrieved from SSM Parameter Store. [cdk:skip]",
      "Type": "AWS::SSM::Parameter::Value<String>",
    },
  },
  "Resources": Object {
    "BackupPlan14914BEB": Object {
      "Properties": Object {
        "BackupPlan": Object {
          "BackupPlanName": "Plan",
          "BackupPlanRule": Array [
            Object {
              "Lifecycle": Object {
                "DeleteAfterDays": 35,
              },
              "RuleName": "Daily",
              "ScheduleExpression": "cron(0 3 * * ? *)",
              "TargetBackupVault": Object {
                "Fn::GetAtt": Array [
                  "BackupVaultADF21B19",
                  "BackupVaultName",
                ],
              },
            },
          ],
        },
      },
      "Type": "AWS::Backup::BackupPlan",
    },
    "BackupPlanEventStoreFC3F6D29": Object {
      "Properties": Object {
        "BackupPlanId": Object {
          "Fn::GetAtt": Array [
            "BackupPlan14914BEB",
            "BackupPlanId",
          ],
        },
        "BackupSelection": Object {
          "IamRoleArn": Object {
            "Fn::GetAtt": Array [
              "BackupPlanEventStoreRoleB8D8FF82",
              "Arn",
            ],
          },
          "Resources": Array [
            Object {
              "Fn::GetAtt": Array [
                "EventStoreTable9A84AAAA",
                "Arn",
              ],
            },
          ],
          "SelectionName": "EventStore",
        },
      },
      "Type": "AWS::Backup::BackupSelection",
    },
    "BackupPlanEventStoreRoleB8D8FF82": Object {
      "Properties": Object {
        "AssumeRolePolicyDocument": Object {
          "Statement": Array [
            Object {
              "Action": "sts:AssumeRole",
              "Effect": "Allow",
              "Principal": Object {
                "Service": "backup.amazonaws.com",
              },
            },
          ],
          "Version": "2012-10-17",
        },
        "ManagedPolicyArns": Array [
          Object {
            "Fn::Join": Array [
              "",
              Array [
                "arn:",
                Object {
                  "Ref": "AWS::Partition",
                },
                ":iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
              ],
            ],
          },
        ],
      },
      "Type": "AWS::IAM::Role",
    },
    "BackupVaultADF21B19": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "BackupVaultName": "UserServiceprodStatefulBackupVault2D27C794",
        "EncryptionKeyArn": Object {
          "Fn::GetAtt": Array [
            "EventStoreKey5FA2BC30",
            "Arn",
          ],
        },
        "LockConfiguration": Object {
          "ChangeableForDays": 3,
          "MinRetentionDays": 7,
        },
      },
      "Type": "AWS::Backup::BackupVault",
      "UpdateReplacePolicy": "Retain",
    },
    "EventStoreKey5FA2BC30": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "Description": "Encrypts the user service event store, its two read-model tables and their backups",
        "EnableKeyRotation": true,
        "KeyPolicy": Object {
          "Statement": Array [
            Object {
              "Action": "kms:*",
              "Effect": "Allow",
              "Principal": Object {
                "AWS": "arn:aws:iam::111122223333:root",
              },
              "Resource": "*",
            },
          ],
          "Version": "2012-10-17",
        },
      },
      "Type": "AWS::KMS::Key",
      "UpdateReplacePolicy": "Retain",
    },
    "EventStoreTable9A84AAAA": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "AttributeDefinitions": Array [
          Object {
            "AttributeName": "pk",
            "AttributeType": "S",
          },
          Object {
            "AttributeName": "sk",
            "AttributeType": "N",
          },
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "DeletionProtectionEnabled": true,
        "KeySchema": Array [
          Object {
            "AttributeName": "pk",
            "KeyType": "HASH",
          },
          Object {
            "AttributeName": "sk",
            "KeyType": "RANGE",
          },
        ],
        "PointInTimeRecoverySpecification": Object {
          "PointInTimeRecoveryEnabled": true,
        },
        "SSESpecification": Object {
          "KMSMasterKeyId": Object {
            "Fn::GetAtt": Array [
              "EventStoreKey5FA2BC30",
              "Arn",
            ],
          },
          "SSEEnabled": true,
          "SSEType": "KMS",
        },
        "StreamSpecification": Object {
          "StreamViewType": "NEW_IMAGE",
        },
        "TimeToLiveSpecification": Object {
          "AttributeName": "expiresAt",
          "Enabled": true,
        },
      },
      "Type": "AWS::DynamoDB::Table",
      "UpdateReplacePolicy": "Retain",
    },
    "JwtSecret4F1985F3": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "Description": "HS256 key that signs the user service session tokens",
        "GenerateSecretString": Object {
          "ExcludePunctuation": true,
          "PasswordLength": 64,
        },
      },
      "Type": "AWS::SecretsManager::Secret",
      "UpdateReplacePolicy": "Retain",
    },
    "PersonalDataKey13F06DED": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "Description": "Wraps each user's personal-data key (crypto-shredding: erasure destroys the wrapped key)",
        "EnableKeyRotation": true,
        "KeyPolicy": Object {
          "Statement": Array [
            Object {
              "Action": "kms:*",
              "Effect": "Allow",
              "Principal": Object {
                "AWS": "arn:aws:iam::111122223333:root",
              },
              "Resource": "*",
            },
          ],
          "Version": "2012-10-17",
        },
      },
      "Type": "AWS::KMS::Key",
      "UpdateReplacePolicy": "Retain",
    },
    "ReadModelGreenTable3F4ACFA2": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "AttributeDefinitions": Array [
          Object {
            "AttributeName": "id",
            "AttributeType": "S",
          },
          Object {
            "AttributeName": "emailKey",
            "AttributeType": "S",
          },
          Object {
            "AttributeName": "usernameKey",
            "AttributeType": "S",
          },
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "DeletionProtectionEnabled": true,
        "GlobalSecondaryIndexes": Array [
          Object {
            "IndexName": "byEmail",
            "KeySchema": Array [
              Object {
                "AttributeName": "emailKey",
                "KeyType": "HASH",
              },
            ],
            "Projection": Object {
              "ProjectionType": "KEYS_ONLY",
            },
          },
          Object {
            "IndexName": "byUsername",
            "KeySchema": Array [
              Object {
                "AttributeName": "usernameKey",
                "KeyType": "HASH",
              },
            ],
            "Projection": Object {
              "ProjectionType": "KEYS_ONLY",
            },
          },
        ],
        "KeySchema": Array [
          Object {
            "AttributeName": "id",
            "KeyType": "HASH",
          },
        ],
        "PointInTimeRecoverySpecification": Object {
          "PointInTimeRecoveryEnabled": true,
        },
        "SSESpecification": Object {
          "KMSMasterKeyId": Object {
            "Fn::GetAtt": Array [
              "EventStoreKey5FA2BC30",
              "Arn",
            ],
          },
          "SSEEnabled": true,
          "SSEType": "KMS",
        },
      },
      "Type": "AWS::DynamoDB::Table",
      "UpdateReplacePolicy": "Retain",
    },
    "ReadModelTable152641BF": Object {
      "DeletionPolicy": "Retain",
      "Properties": Object {
        "AttributeDefinitions": Array [
          Object {
            "AttributeName": "id",
            "AttributeType": "S",
          },
          Object {
            "AttributeName": "emailKey",
            "AttributeType": "S",
          },
          Object {
            "AttributeName": "usernameKey",
            "AttributeType": "S",
          },
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "DeletionProtectionEnabled": true,
        "GlobalSecondaryIndexes": Array [
          Object {
            "IndexName": "byEmail",
            "KeySchema": Array [
              Object {
                "AttributeName": "emailKey",
                "KeyType": "HASH",
              },
            ],
            "Projection": Object {
              "ProjectionType": "KEYS_ONLY",
            },
          },
          Object {
            "IndexName": "byUsername",
            "KeySchema": Array [
              Object {
                "AttributeName": "usernameKey",
                "KeyType": "HASH",
              },
            ],
            "Projection": Object {
              "ProjectionType": "KEYS_ONLY",
            },
          },
        ],
        "KeySchema": Array [
          Object {
            "AttributeName": "id",
            "KeyType": "HASH",
          },
        ],
        "PointInTimeRecoverySpecification": Object {
          "PointInTimeRecoveryEnabled": true,
        },
        "SSESpecification": Object {
          "KMSMasterKeyId": Object {
            "Fn::GetAtt": Array [
              "EventStoreKey5FA2BC30",
              "Arn",
            ],
          },
          "SSEEnabled": true,
          "SSEType": "KMS",
        },
      },
      "Type": "AWS::DynamoDB::Table",
      "UpdateReplacePolicy": "Retain",
    },
  },
  "Rules": Object {
    "CheckBootstrapVersion": Object {
      "Assertions": Array [
        Object {
          "Assert": Object {
            "Fn::Not": Array [
              Object {
                "Fn::Contains": Array [
                  Array [
                    "1",
                    "2",
                    "3",
                    "4",
                    "5",
                  ],
                  Object {
                    "Ref": "BootstrapVersion",
                  },
                ],
              },
            ],
          },
          "AssertDescription": "CDK bootstrap stack version 6 required. Please run 'cdk bootstrap' with a recent version of the CDK CLI.",
        },
      ],
    },
  },
}
`

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
      "Value": Object {
        "Ref": "OperationsAlarmTopic909EF7A3",
      },
    },
    "ApiUrl": Object {
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
    "ConsumerQueueUrlprojector": Object {
      "Value": Object {
        "Ref": "EventsConsumerprojectorQueue078FA593",
      },
    },
    "DashboardName": Object {
      "Value": Object {
        "Ref": "OperationsDashboardE19B83FC",
      },
    },
    "DeadLetterQueueArnprojector": Object {
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
          "Arn",
        ],
      },
    },
    "EventTopicArn": Object {
      "Value": Object {
        "Ref": "EventsTopic97220A64",
      },
    },
    "QueueKeyArn": Object {
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventsQueueKey613467D1",
          "Arn",
        ],
      },
    },
    "RelayFailureQueueUrl": Object {
      "Value": Object {
        "Ref": "StreamRelayFailureQueue0C08D702",
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
        "MessageRetentionPeriod": 345600,
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
        "TopicArn": Object {
          "Ref": "EventsTopic97220A64",
        },
      },
      "Type": "AWS::SNS::Subscription",
    },
    "EventsQueueKey613467D1": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "Description": "Encrypts the user service event queues, their dead letters and alarm notifications",
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
    "OperationsApi5xx7C9EA605": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The user service API answered 5xx.",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Dimensions": Array [
          Object {
            "Name": "ApiId",
            "Value": Object {
              "Ref": "UserServiceApi54E23B5B",
            },
          },
        ],
        "EvaluationPeriods": 1,
        "MetricName": "5xx",
        "Namespace": "AWS/ApiGateway",
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
    "OperationsDashboardE19B83FC": Object {
      "Properties": Object {
        "DashboardBody": Object {
          "Fn::Join": Array [
            "",
            Array [
              "{\\"start\\":\\"-PT3H\\",\\"widgets\\":[{\\"type\\":\\"alarm\\",\\"width\\":24,\\"height\\":3,\\"x\\":0,\\"y\\":0,\\"properties\\":{\\"title\\":\\"Alarms\\",\\"alarms\\":[\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsDeadLettersrelayfailures54FAACD8",
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
                  "OperationsRelayIteratorAge51BCF4A6",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsProjectorErrors85AB7F55",
                  "Arn",
                ],
              },
              "\\",\\"",
              Object {
                "Fn::GetAtt": Array [
                  "OperationsApi5xx7C9EA605",
                  "Arn",
                ],
              },
              "\\"]}},{\\"type\\":\\"metric\\",\\"width\\":12,\\"height\\":6,\\"x\\":0,\\"y\\":3,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"API: requests and errors\\",\\"region\\":\\"",
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
              "\\",{\\"period\\":60,\\"stat\\":\\"p99\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":12,\\"height\\":6,\\"x\\":12,\\"y\\":3,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"Relay: iterator age (ms)\\",\\"region\\":\\"",
              Object {
                "Ref": "AWS::Region",
              },
              "\\",\\"metrics\\":[[\\"AWS/Lambda\\",\\"IteratorAge\\",\\"FunctionName\\",\\"",
              Object {
                "Ref": "StreamRelayFunctionA4B414DB",
              },
              "\\",{\\"period\\":60,\\"stat\\":\\"Maximum\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":8,\\"height\\":6,\\"x\\":0,\\"y\\":9,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"User service: invocations, errors, throttles\\",\\"region\\":\\"",
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
              "\\",{\\"period\\":60,\\"stat\\":\\"p99\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":8,\\"height\\":6,\\"x\\":8,\\"y\\":9,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"Relay: invocations, errors, throttles\\",\\"region\\":\\"",
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
              "\\",{\\"period\\":60,\\"stat\\":\\"p99\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":8,\\"height\\":6,\\"x\\":16,\\"y\\":9,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"Projector: invocations, errors, throttles\\",\\"region\\":\\"",
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
              "\\",{\\"period\\":60,\\"stat\\":\\"p99\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":12,\\"height\\":6,\\"x\\":0,\\"y\\":15,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"Projector queue: depth and oldest message (s)\\",\\"region\\":\\"",
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
              "\\",{\\"period\\":60,\\"stat\\":\\"Maximum\\",\\"yAxis\\":\\"right\\"}]],\\"yAxis\\":{}}},{\\"type\\":\\"metric\\",\\"width\\":12,\\"height\\":6,\\"x\\":12,\\"y\\":15,\\"properties\\":{\\"view\\":\\"timeSeries\\",\\"title\\":\\"Dead letters\\",\\"region\\":\\"",
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
                  "EventsConsumerprojectorDeadLetterQueue5A0E10F1",
                  "QueueName",
                ],
              },
              "\\",{\\"label\\":\\"projector\\",\\"period\\":60,\\"stat\\":\\"Maximum\\"}]],\\"yAxis\\":{}}}]}",
            ],
          ],
        },
      },
      "Type": "AWS::CloudWatch::Dashboard",
    },
    "OperationsDeadLettersprojectorAC851DF6": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "Messages are waiting in the projector dead-letter queue: inspect them, fix the cause, then redrive.",
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
        "AlarmDescription": "Messages are waiting in the relay-failures dead-letter queue: inspect them, fix the cause, then redrive.",
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
    "OperationsProjectorErrors85AB7F55": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The projector function failed invocations: read models may lag until the messages are redelivered.",
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
    "OperationsRelayIteratorAge51BCF4A6": Object {
      "Properties": Object {
        "AlarmActions": Array [
          Object {
            "Ref": "OperationsAlarmTopic909EF7A3",
          },
        ],
        "AlarmDescription": "The stream relay is more than 5 minutes behind the event store.",
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
              "Fn::GetStackOutput": Object {
                "OutputName": "PublishOutputRefEventStoreTable9A84AAAA74F938AC",
                "Region": "eu-west-1",
                "StackName": "UserService-dev-Stateful",
              },
            },
            "LOG_LEVEL": "debug",
            "READ_MODEL": "dynamodb",
            "READ_MODEL_GREEN_TABLE": Object {
              "Fn::GetStackOutput": Object {
                "OutputName": "PublishOutputRefReadModelGreenTable3F4ACFA23107C741",
                "Region": "eu-west-1",
                "StackName": "UserService-dev-Stateful",
              },
            },
            "READ_MODEL_TABLE": Object {
              "Fn::GetStackOutput": Object {
                "OutputName": "PublishOutputRefReadModelTable152641BF9152740F",
                "Region": "eu-west-1",
                "StackName": "UserService-dev-Stateful",
              },
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
        "Role": Object {
          "Fn::GetAtt": Array [
            "ProjectorRole1E7873EF",
            "Arn",
          ],
        },
        "Runtime": "nodejs22.x",
        "Timeout": 30,
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
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsQueueKey613467D1",
                  "Arn",
                ],
              },
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
                  "Fn::GetStackOutput": Object {
                    "OutputName": "PublishOutputFnGetAttReadModelGreenTable3F4ACFA2ArnF75E1249",
                    "Region": "eu-west-1",
                    "StackName": "UserService-dev-Stateful",
                  },
                },
                Object {
                  "Fn::GetStackOutput": Object {
                    "OutputName": "PublishOutputFnGetAttReadModelTable152641BFArn1CD3F2CE",
                    "Region": "eu-west-1",
                    "StackName": "UserService-dev-Stateful",
                  },
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
                "Fn::GetStackOutput": Object {
                  "OutputName": "PublishOutputFnGetAttEventStoreKey5FA2BC30Arn55521E6B",
                  "Region": "eu-west-1",
                  "StackName": "UserService-dev-Stateful",
                },
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
              "Resource": Object {
                "Fn::GetStackOutput": Object {
                  "OutputName": "PublishOutputFnGetAttEventStoreTable9A84AAAAArn712B1D9F",
                  "Region": "eu-west-1",
                  "StackName": "UserService-dev-Stateful",
                },
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
            "LOG_LEVEL": "debug",
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
        "Role": Object {
          "Fn::GetAtt": Array [
            "StreamRelayRoleB1F239C1",
            "Arn",
          ],
        },
        "Runtime": "nodejs22.x",
        "Timeout": 60,
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
          "Fn::GetStackOutput": Object {
            "OutputName": "PublishOutputFnGetAttEventStoreTable9A84AAAAStreamArn37779F68",
            "Region": "eu-west-1",
            "StackName": "UserService-dev-Stateful",
          },
        },
        "FunctionName": Object {
          "Ref": "StreamRelayFunctionA4B414DB",
        },
        "FunctionResponseTypes": Array [
          "ReportBatchItemFailures",
        ],
        "MaximumRecordAgeInSeconds": 86400,
        "MaximumRetryAttempts": 10,
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
                "sqs:GetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:SendMessage",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "StreamRelayFailureQueue0C08D702",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:Encrypt",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsQueueKey613467D1",
                  "Arn",
                ],
              },
            },
            Object {
              "Action": "dynamodb:ListStreams",
              "Effect": "Allow",
              "Resource": "*",
            },
            Object {
              "Action": Array [
                "kms:Decrypt",
                "kms:DescribeKey",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetStackOutput": Object {
                  "OutputName": "PublishOutputFnGetAttEventStoreKey5FA2BC30Arn55521E6B",
                  "Region": "eu-west-1",
                  "StackName": "UserService-dev-Stateful",
                },
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
                "Fn::GetStackOutput": Object {
                  "OutputName": "PublishOutputFnGetAttEventStoreTable9A84AAAAStreamArn37779F68",
                  "Region": "eu-west-1",
                  "StackName": "UserService-dev-Stateful",
                },
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
                "kms:GenerateDataKey*",
              ],
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetAtt": Array [
                  "EventsTopicKey156A8EC3",
                  "Arn",
                ],
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
              "Fn::GetStackOutput": Object {
                "OutputName": "PublishOutputRefEventStoreTable9A84AAAA74F938AC",
                "Region": "eu-west-1",
                "StackName": "UserService-dev-Stateful",
              },
            },
            "JWT_SECRET_ARN": Object {
              "Fn::GetStackOutput": Object {
                "OutputName": "PublishOutputRefJwtSecret4F1985F3B9B33083",
                "Region": "eu-west-1",
                "StackName": "UserService-dev-Stateful",
              },
            },
            "LOG_LEVEL": "debug",
            "MAILER": "ses",
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
            "READ_MODEL_GREEN_TABLE": Object {
              "Fn::GetStackOutput": Object {
                "OutputName": "PublishOutputRefReadModelGreenTable3F4ACFA23107C741",
                "Region": "eu-west-1",
                "StackName": "UserService-dev-Stateful",
              },
            },
            "READ_MODEL_TABLE": Object {
              "Fn::GetStackOutput": Object {
                "OutputName": "PublishOutputRefReadModelTable152641BF9152740F",
                "Region": "eu-west-1",
                "StackName": "UserService-dev-Stateful",
              },
            },
            "SES_FROM_ADDRESS": "no-reply@mail.user-service.internal",
            "STORAGE": "dynamodb",
            "TRUST_PROXY": "true",
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
              "Resource": Object {
                "Fn::GetStackOutput": Object {
                  "OutputName": "PublishOutputFnGetAttEventStoreTable9A84AAAAArn712B1D9F",
                  "Region": "eu-west-1",
                  "StackName": "UserService-dev-Stateful",
                },
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
              "Effect": "Allow",
              "Resource": Object {
                "Fn::GetStackOutput": Object {
                  "OutputName": "PublishOutputFnGetAttEventStoreKey5FA2BC30Arn55521E6B",
                  "Region": "eu-west-1",
                  "StackName": "UserService-dev-Stateful",
                },
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
                  "Fn::GetStackOutput": Object {
                    "OutputName": "PublishOutputFnGetAttReadModelGreenTable3F4ACFA2ArnF75E1249",
                    "Region": "eu-west-1",
                    "StackName": "UserService-dev-Stateful",
                  },
                },
                Object {
                  "Fn::GetStackOutput": Object {
                    "OutputName": "PublishOutputFnGetAttReadModelTable152641BFArn1CD3F2CE",
                    "Region": "eu-west-1",
                    "StackName": "UserService-dev-Stateful",
                  },
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
                        "Fn::GetStackOutput": Object {
                          "OutputName": "PublishOutputFnGetAttReadModelGreenTable3F4ACFA2ArnF75E1249",
                          "Region": "eu-west-1",
                          "StackName": "UserService-dev-Stateful",
                        },
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
                        "Fn::GetStackOutput": Object {
                          "OutputName": "PublishOutputFnGetAttReadModelGreenTable3F4ACFA2ArnF75E1249",
                          "Region": "eu-west-1",
                          "StackName": "UserService-dev-Stateful",
                        },
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
                        "Fn::GetStackOutput": Object {
                          "OutputName": "PublishOutputFnGetAttReadModelTable152641BFArn1CD3F2CE",
                          "Region": "eu-west-1",
                          "StackName": "UserService-dev-Stateful",
                        },
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
                        "Fn::GetStackOutput": Object {
                          "OutputName": "PublishOutputFnGetAttReadModelTable152641BFArn1CD3F2CE",
                          "Region": "eu-west-1",
                          "StackName": "UserService-dev-Stateful",
                        },
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
                "Fn::GetStackOutput": Object {
                  "OutputName": "PublishOutputRefJwtSecret4F1985F3B9B33083",
                  "Region": "eu-west-1",
                  "StackName": "UserService-dev-Stateful",
                },
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
    "UserServiceStage76A6AA02": Object {
      "Properties": Object {
        "AccessLogSettings": Object {
          "DestinationArn": Object {
            "Fn::GetAtt": Array [
              "UserServiceAccessLogs83E2AF6C",
              "Arn",
            ],
          },
          "Format": "{\\"requestId\\":\\"$context.requestId\\",\\"ip\\":\\"$context.identity.sourceIp\\",\\"requestTime\\":\\"$context.requestTime\\",\\"method\\":\\"$context.httpMethod\\",\\"path\\":\\"$context.path\\",\\"status\\":\\"$context.status\\",\\"protocol\\":\\"$context.protocol\\",\\"responseLength\\":\\"$context.responseLength\\",\\"latency\\":\\"$context.responseLatency\\",\\"integrationLatency\\":\\"$context.integrationLatency\\",\\"integrationError\\":\\"$context.integrationErrorMessage\\"}",
        },
        "ApiId": Object {
          "Ref": "UserServiceApi54E23B5B",
        },
        "AutoDeploy": true,
        "DefaultRouteSettings": Object {
          "ThrottlingBurstLimit": 100,
          "ThrottlingRateLimit": 50,
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
  "Description": "User service (dev): event store, read model, JWT secret and their key",
  "Outputs": Object {
    "EventStoreTableName": Object {
      "Value": Object {
        "Ref": "EventStoreTable9A84AAAA",
      },
    },
    "JwtSecretArn": Object {
      "Value": Object {
        "Ref": "JwtSecret4F1985F3",
      },
    },
    "PublishOutputFnGetAttEventStoreKey5FA2BC30Arn55521E6B": Object {
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventStoreKey5FA2BC30",
          "Arn",
        ],
      },
    },
    "PublishOutputFnGetAttEventStoreTable9A84AAAAArn712B1D9F": Object {
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventStoreTable9A84AAAA",
          "Arn",
        ],
      },
    },
    "PublishOutputFnGetAttEventStoreTable9A84AAAAStreamArn37779F68": Object {
      "Value": Object {
        "Fn::GetAtt": Array [
          "EventStoreTable9A84AAAA",
          "StreamArn",
        ],
      },
    },
    "PublishOutputFnGetAttReadModelGreenTable3F4ACFA2ArnF75E1249": Object {
      "Value": Object {
        "Fn::GetAtt": Array [
          "ReadModelGreenTable3F4ACFA2",
          "Arn",
        ],
      },
    },
    "PublishOutputFnGetAttReadModelTable152641BFArn1CD3F2CE": Object {
      "Value": Object {
        "Fn::GetAtt": Array [
          "ReadModelTable152641BF",
          "Arn",
        ],
      },
    },
    "PublishOutputRefEventStoreTable9A84AAAA74F938AC": Object {
      "Value": Object {
        "Ref": "EventStoreTable9A84AAAA",
      },
    },
    "PublishOutputRefJwtSecret4F1985F3B9B33083": Object {
      "Value": Object {
        "Ref": "JwtSecret4F1985F3",
      },
    },
    "PublishOutputRefReadModelGreenTable3F4ACFA23107C741": Object {
      "Value": Object {
        "Ref": "ReadModelGreenTable3F4ACFA2",
      },
    },
    "PublishOutputRefReadModelTable152641BF9152740F": Object {
      "Value": Object {
        "Ref": "ReadModelTable152641BF",
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
    "EventStoreKey5FA2BC30": Object {
      "DeletionPolicy": "Delete",
      "Properties": Object {
        "Description": "Encrypts the user service event store, read model and JWT secret",
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
              "ProjectionType": "ALL",
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
              "ProjectionType": "ALL",
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
              "ProjectionType": "ALL",
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
              "ProjectionType": "ALL",
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

import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

export interface OperationsStackProps extends StackProps {
  functions: Record<string, lambda.IFunction>;
  stream: kinesis.IStream;
  deadLetterQueues: Record<string, sqs.IQueue>;
  httpApi: apigw.IHttpApi;
  stateMachine: sfn.IStateMachine;
}

/**
 * Operations: alarms on Lambda errors, Kinesis iterator age, DLQ depth, API 5xx and latency and
 * failed chain runs, all notifying one encrypted SNS topic, and one dashboard.
 */
export class OperationsStack extends Stack {
  readonly alarmTopic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsStackProps) {
    super(scope, id, props);
    const key = new kms.Key(this, 'AlarmsKey', {
      enableKeyRotation: true,
      alias: 'corriente/alarms',
    });
    // CloudWatch alarms publish to the encrypted topic: they need the key.
    key.grant(
      new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    this.alarmTopic = new sns.Topic(this, 'Alarms', {
      topicName: 'corriente-alarms',
      masterKey: key,
      enforceSSL: true,
    });
    const alarm = (
      aid: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
    ): cloudwatch.Alarm => {
      const a = new cloudwatch.Alarm(this, aid, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(new actions.SnsAction(this.alarmTopic));
      this.alarms.push(a);
      return a;
    };
    const five = Duration.minutes(5);
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}Errors`, fn.metricErrors({ period: five }), 1, `Lambda ${name}: errors`);
    }
    alarm(
      'IteratorAge',
      props.stream.metricGetRecordsIteratorAgeMilliseconds({ period: five, statistic: 'Maximum' }),
      60_000,
      'Kinesis: the processor is more than a minute behind the stream',
    );
    for (const [name, q] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name}Depth`,
        q.metricApproximateNumberOfMessagesVisible({ period: five, statistic: 'Maximum' }),
        1,
        `DLQ ${name}: messages waiting`,
      );
    }
    const apiMetric = (metricName: string, statistic: string): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: props.httpApi.apiId, Stage: '$default' },
        period: five,
        statistic,
      });
    alarm('Api5xx', apiMetric('5xx', 'Sum'), 5, 'HTTP API: 5xx answers');
    alarm('ApiLatency', apiMetric('Latency', 'p99'), 2000, 'HTTP API: p99 latency at or above 2 s');
    alarm(
      'ChainFailed',
      props.stateMachine.metricFailed({ period: five }),
      1,
      'Lake chain: a run failed',
    );
    alarm(
      'ChainTimedOut',
      props.stateMachine.metricTimedOut({ period: five }),
      1,
      'Lake chain: a run timed out',
    );

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: 'corriente' });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }),
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: Object.values(props.functions).map((f) => f.metricErrors({ period: five })),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda duration p99',
        left: Object.values(props.functions).map((f) =>
          f.metricDuration({ period: five, statistic: 'p99' }),
        ),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Kinesis',
        left: [props.stream.metricIncomingRecords({ period: five })],
        right: [
          props.stream.metricGetRecordsIteratorAgeMilliseconds({
            period: five,
            statistic: 'Maximum',
          }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'HTTP API',
        left: [apiMetric('Count', 'Sum'), apiMetric('5xx', 'Sum'), apiMetric('4xx', 'Sum')],
        right: [apiMetric('Latency', 'p99')],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lake chain',
        left: [
          props.stateMachine.metricSucceeded({ period: five }),
          props.stateMachine.metricFailed({ period: five }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queues',
        left: Object.values(props.deadLetterQueues).map((q) =>
          q.metricApproximateNumberOfMessagesVisible({ period: five }),
        ),
        width: 12,
      }),
    );
  }
}

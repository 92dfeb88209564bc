import { RemovalPolicy } from 'aws-cdk-lib';
import { Grant, PolicyStatement, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Key, type IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface PersonalDataKeyProps {
  /** Production: RETAIN the key on stack deletion (every user's data key is wrapped by it). */
  readonly retainData: boolean;
}

/**
 * The KMS key that wraps every user's data key (envelope encryption; see docs/privacy.md). The wrapped keys
 * are items of the event-store table; destroying one is a single write there, after which no grant on this
 * key can bring the user's personal data back. Rotated yearly (old versions stay usable for decryption).
 */
export class PersonalDataKey extends Construct {
  public readonly key: Key;

  constructor(scope: Construct, id: string, props: PersonalDataKeyProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: "Wraps each user's personal-data key (crypto-shredding: erasure destroys the wrapped key)",
      enableKeyRotation: true,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }
}

/**
 * Every call must name the user whose key it is (`subject` in the encryption context), as the adapter does:
 * a grantee cannot use the key for anything else.
 */
const WITH_SUBJECT = { Null: { 'kms:EncryptionContext:subject': 'false' } };

/** Making users' data keys and unwrapping them: the user service, which writes personal data. */
export function grantWrapDataKeys(grantee: IGrantable, key: IKey): Grant {
  return Grant.addToPrincipal({
    grantee,
    actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
    resourceArns: [key.keyArn],
    conditions: WITH_SUBJECT,
  });
}

/** Unwrapping users' data keys only: readers of personal data (relay, projector, operators). */
export function grantUnwrapDataKeys(grantee: IGrantable, key: IKey): Grant {
  return Grant.addToPrincipal({ grantee, actions: ['kms:Decrypt'], resourceArns: [key.keyArn], conditions: WITH_SUBJECT });
}

/** {@link grantUnwrapDataKeys} as a statement, for a managed policy. */
export function unwrapDataKeysStatement(key: IKey): PolicyStatement {
  return new PolicyStatement({ sid: 'UnwrapUserDataKeys', actions: ['kms:Decrypt'], resources: [key.keyArn], conditions: WITH_SUBJECT });
}

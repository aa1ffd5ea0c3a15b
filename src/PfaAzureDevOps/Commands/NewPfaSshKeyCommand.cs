using System;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Generates the current user's SSH key pair and keeps it in the user's store, the private key protected at rest.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.New, "PfaSshKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PfaSshPublicKey))]
    public sealed class NewPfaSshKeyCommand : PfaCmdlet
    {
        [Parameter(Position = 0)]
        public PfaSshKeyType KeyType { get; set; } = PfaSshKeyType.Rsa;

        [Parameter]
        [ValidateSet("3072", "4096")]
        public int Bits { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Comment { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecordCore()
        {
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Bits)) && KeyType != PfaSshKeyType.Rsa)
            {
                throw new Core.PfaException(Core.Errors.ErrorIds.SshKeyInvalidSize, Core.PfaErrorKind.InvalidArgument, $"-Bits applies to RSA keys only; a {KeyType} key always has 256 bits. Leave -Bits out.", Bits);
            }

            var store = new Core.Ssh.SshKeyStore();
            Core.Ssh.StoredSshKey? existing = store.CheckCanCreate(Force);
            int bits = KeyType == PfaSshKeyType.Rsa ? (Bits == 0 ? Core.Ssh.SshKeyGenerator.DefaultRsaBits : Bits) : 256;
            string comment = Comment ?? Core.Ssh.SshKeyStore.DefaultComment;
            string description = $"{KeyType} {bits}-bit SSH key '{comment}'";
            string action = existing is null
                ? $"Create a new {description}"
                : $"Replace your SSH key {existing.Sha256Fingerprint} with a new {description} (the old key stops working wherever it was registered)";
            if (!ShouldProcess($"CurrentUser state at '{store.DocumentPath}'", action))
            {
                return;
            }

            if (KeyType != PfaSshKeyType.Rsa)
            {
                WriteWarning($"Azure DevOps accepts only RSA SSH keys: this {KeyType} key works with other git servers only. For Azure DevOps, run New-PfaSshKey -KeyType Rsa -Force.");
            }

            // Only types of this assembly (or the framework) are captured: a closure field of an engine value type
            // would make loading this assembly's types load the engine.
            PfaSshKeyType keyType = KeyType;
            int requested = KeyType == PfaSshKeyType.Rsa ? bits : 0;
            bool showProgress = KeyType == PfaSshKeyType.Rsa;
            string activity = $"Generating an RSA {bits}-bit SSH key";
            DateTimeOffset now = DateTimeOffset.UtcNow;
            WriteVerbose($"{action}.");
            Core.Ssh.StoredSshKey key = RunOffPipelineWithTicks(
                token => store.Create(SshModel.ToCore(keyType), requested, comment, Force, now, token),
                TimeSpan.FromMilliseconds(200),
                elapsed =>
                {
                    if (showProgress)
                    {
                        WriteProgress(new ProgressRecord(1, activity, $"{elapsed.TotalSeconds:0.0} s elapsed (usually 1 to 3 s)"));
                    }
                });

            if (showProgress)
            {
                WriteProgress(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed });
            }

            WarnIfSecretsUnprotected(store.Vault.IsProtected);
            if (existing != null)
            {
                WriteWarning($"Your previous SSH key ({existing.Sha256Fingerprint}) was replaced and no longer works: register the new public key (Get-PfaSshPublicKey) wherever the old one was registered.");
            }

            WriteVerbose($"Created {key.Type} {key.Bits} key {key.Sha256Fingerprint} in {store.DocumentPath}; private key kept in {store.Vault.ProtectionDescription}.");
            string typeName = key.Type == Core.Ssh.SshKeyType.Rsa ? "RSA" : key.Type == Core.Ssh.SshKeyType.Ed25519 ? "Ed25519" : "ECDSA P-256";
            UserMessages.Show(this, $"Created your {typeName} {key.Bits}-bit SSH key MD5:{key.Md5Fingerprint}, kept in {store.Vault.ProtectionDescription}.");
            UserMessages.Show(this, key.Type == Core.Ssh.SshKeyType.Rsa
                ? "Next: Add-AzDevOpsSshKey adds it to Azure DevOps."
                : "Next: Get-PfaSshPublicKey shows the line to paste into your git server.");

            // New- returns what it made (PowerShell's convention); -PassThru is kept so existing scripts still run.
            WriteObject(SshModel.ToOutput(key));
        }
    }
}

using System.Management.Automation;
using System.Security;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Writes the current user's SSH private key to an owner-only OpenSSH key file, and the public key beside it.</para>
    /// </summary>
    [Cmdlet(VerbsData.Export, "PfaSshKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PfaSshPublicKey))]
    public sealed class ExportPfaSshKeyCommand : PfaCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        [Parameter]
        public SecureString? Passphrase { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecordCore()
        {
            string target = SshModel.ResolveFileSystemPath(this, Path, nameof(Path));
            if (Passphrase != null && Passphrase.Length == 0)
            {
                throw new Core.PfaException(Core.Errors.ErrorIds.SshKeyPassphraseEmpty, Core.PfaErrorKind.InvalidArgument, "The passphrase is empty. Give a non-empty -Passphrase, or leave it out to write an unencrypted key file.", "Passphrase");
            }

            var store = new Core.Ssh.SshKeyStore();
            Core.Ssh.StoredSshKey key = store.GetRequired();
            string protection = Passphrase != null ? "encrypted with the passphrase" : "unencrypted";
            if (!ShouldProcess(target, $"Write the SSH private key {key.Sha256Fingerprint} ({protection}, owner-only) and its public key to '{target}.pub'"))
            {
                return;
            }

            char[]? passphrase = Passphrase != null ? Secrets.ToChars(Passphrase) : null;
            try
            {
                Core.Ssh.SshKeyExport export = store.Export(target, passphrase, Force);
                WriteVerbose($"Wrote {export.PrivateKeyPath} ({protection}) and {export.PublicKeyPath}.");
                WriteObject(SshModel.ToOutput(export.Key, export.PrivateKeyPath));
            }
            finally
            {
                Secrets.Clear(passphrase);
            }
        }
    }
}

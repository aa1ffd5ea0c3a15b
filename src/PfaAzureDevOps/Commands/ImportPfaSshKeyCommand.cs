using System;
using System.Management.Automation;
using System.Security;
using System.Text;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Makes an existing OpenSSH private key (openssh-key-v1 or PEM, with or without a passphrase) the current user's SSH key, kept with the same protection as a generated one.</para>
    /// </summary>
    [Cmdlet(VerbsData.Import, "PfaSshKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = TextSet)]
    [OutputType(typeof(PfaSshPublicKey))]
    public sealed class ImportPfaSshKeyCommand : PfaCmdlet
    {
        /// <summary>The smallest RSA key accepted: shorter keys are refused by current SSH clients and servers.</summary>
        public const int MinimumRsaBits = 2048;

        private const string PathSet = "Path";
        private const string TextSet = "PrivateKey";
        private readonly StringBuilder _text = new StringBuilder();
        private bool _textImported;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = TextSet)]
        [AllowEmptyString]
        public string PrivateKey { get; set; } = null!;

        [Parameter]
        [ValidateNotNull]
        public SecureString? Passphrase { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Comment { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecordCore()
        {
            if (ParameterSetName == PathSet)
            {
                string file = SshModel.ResolveFileSystemPath(this, Path, nameof(Path));
                if (!System.IO.File.Exists(file))
                {
                    throw new Core.PfaException(Core.Errors.ErrorIds.SshPrivateKeyFileNotFound, Core.PfaErrorKind.NotFound, $"The private key file '{file}' does not exist. Give the path of the private key (for example ~/.ssh/id_rsa), not of the .pub file.", file);
                }

                WriteVerbose($"Reading the private key from {file}.");
                // A regular file only (never a FIFO or a device such as /dev/zero), bounded in size and time, Ctrl+C stops it.
                byte[] bytes = Core.Rules.FileRules.ReadBounded(file, 1024 * 1024, "private key file", Core.Errors.ErrorIds.SshPrivateKeyFileNotFound, StopToken);
                try
                {
                    Import(bytes, file);
                }
                finally
                {
                    Array.Clear(bytes, 0, bytes.Length);
                }

                return;
            }

            // Text from the pipeline: a whole key (Get-Content -Raw) or one line at a time (Get-Content); a key is complete at its END line.
            _text.Append(PrivateKey).Append('\n');
            if (PrivateKey.IndexOf("-----END ", StringComparison.Ordinal) >= 0)
            {
                byte[] bytes = Encoding.UTF8.GetBytes(_text.ToString());
                _text.Clear();
                try
                {
                    Import(bytes, "the private key text");
                    _textImported = true;
                }
                finally
                {
                    Array.Clear(bytes, 0, bytes.Length);
                }
            }
        }

        protected override void EndProcessing()
        {
            if (ParameterSetName == TextSet && !_textImported && _text.ToString().Trim().Length > 0)
            {
                _text.Clear();
                WriteError(ErrorMapper.ToErrorRecord(new Core.PfaException(
                    Core.Errors.ErrorIds.SshPrivateKeyUnrecognized,
                    Core.PfaErrorKind.InvalidData,
                    "The text given is not a whole SSH private key: no '-----END ... PRIVATE KEY-----' line came. Pipe the whole file (Get-Content ~/.ssh/id_rsa -Raw | Import-PfaSshKey), or give -Path.",
                    null)));
            }

            base.EndProcessing();
        }

        private void Import(byte[] text, string source)
        {
            Core.Ssh.SshKeyPair pair = Load(text, source);
            try
            {
                Core.AzureDevOps.SshKeyService.RequireRsa(pair.PublicKey);
                if (pair.Bits < MinimumRsaBits)
                {
                    throw new Core.PfaException(
                        Core.Errors.ErrorIds.SshKeyTooSmall,
                        Core.PfaErrorKind.InvalidArgument,
                        $"This RSA key has {pair.Bits} bits ({pair.Sha256Fingerprint}); keys shorter than {MinimumRsaBits} bits are refused by current SSH clients and servers. Make a new key with New-PfaSshKey (RSA 4096) instead.",
                        pair.Sha256Fingerprint);
                }

                string comment = Comment ?? (pair.Comment.Trim().Length > 0 ? pair.Comment : Core.Ssh.SshKeyStore.DefaultComment);
                if (!string.Equals(comment, pair.Comment, StringComparison.Ordinal))
                {
                    pair.SetComment(comment);
                }

                var store = new Core.Ssh.SshKeyStore();
                Core.Ssh.StoredSshKey? existing = store.CheckCanCreate(Force);
                if (existing != null && existing.Sha256Fingerprint == pair.Sha256Fingerprint && existing.Comment == pair.Comment)
                {
                    WriteVerbose($"This key ({pair.Sha256Fingerprint}) is already your SSH key; nothing changed.");
                    if (PassThru)
                    {
                        WriteObject(SshModel.ToOutput(existing));
                    }

                    return;
                }

                string action = existing is null
                    ? $"Import the RSA {pair.Bits}-bit SSH key {pair.Sha256Fingerprint} ('{pair.Comment}') from {source} as your SSH key"
                    : $"Replace your SSH key {existing.Sha256Fingerprint} with the RSA {pair.Bits}-bit key {pair.Sha256Fingerprint} from {source} (the old key stops working wherever it was registered; Update-PfaSshKey replaces a key without that gap)";
                if (!ShouldProcess($"CurrentUser state at '{store.DocumentPath}'", action))
                {
                    return;
                }

                Core.Ssh.StoredSshKey saved = store.Save(pair, Force, DateTimeOffset.UtcNow, StopToken);
                WarnIfSecretsUnprotected(store.Vault.IsProtected);
                if (existing != null)
                {
                    WriteWarning($"Your previous SSH key ({existing.Sha256Fingerprint}) was replaced and no longer works: register the new public key (Get-PfaSshPublicKey | Add-AzDevOpsSshKey) wherever the old one was registered.");
                }

                WriteVerbose($"Imported {saved.Type} {saved.Bits} key {saved.Sha256Fingerprint}; the private key is kept in {store.Vault.ProtectionDescription}, without the passphrase. The original file is left as it is.");
                if (PassThru)
                {
                    WriteObject(SshModel.ToOutput(saved));
                }
            }
            finally
            {
                pair.Dispose();
            }
        }

        private Core.Ssh.SshKeyPair Load(byte[] text, string source)
        {
            char[]? passphrase = Passphrase != null ? Secrets.ToChars(Passphrase) : null;
            try
            {
                try
                {
                    return Core.Ssh.SshPrivateKey.FromText(text, passphrase);
                }
                catch (Core.PfaException ex) when (ex.ErrorId == Core.Errors.ErrorIds.SshPrivateKeyPassphraseRequired && passphrase is null)
                {
                    if (!IsInteractive())
                    {
                        throw new Core.PfaException(ex.ErrorId, ex.Kind, $"The private key in {source} is protected by a passphrase, and this session cannot ask for it. Give it with -Passphrase (a SecureString, for example from a secret store).", source);
                    }

                    Host.UI.Write($"Passphrase of the private key in {source}: ");
                    using (SecureString entered = Host.UI.ReadLineAsSecureString())
                    {
                        passphrase = Secrets.ToChars(entered);
                    }

                    return Core.Ssh.SshPrivateKey.FromText(text, passphrase);
                }
            }
            catch (Core.PfaException ex) when (ex.ErrorId == Core.Errors.ErrorIds.SshPrivateKeyWrongPassphrase)
            {
                throw new Core.PfaException(ex.ErrorId, ex.Kind, $"The passphrase is not the one that protects the private key in {source}. Give the right -Passphrase; nothing was changed.", source);
            }
            finally
            {
                Secrets.Clear(passphrase);
            }
        }
    }
}

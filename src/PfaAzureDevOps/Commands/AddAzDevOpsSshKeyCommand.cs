using System;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Adds an SSH public key to your Azure DevOps account (User settings > SSH public keys), or finds it already there.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Add, "AzDevOpsSshKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = StoredSet)]
    [OutputType(typeof(PfaAzDevOpsSshKey))]
    public sealed class AddAzDevOpsSshKeyCommand : AzDevOpsSshKeyCmdlet
    {
        private const string StoredSet = "StoredKey";
        private const string ObjectSet = "InputObject";
        private const string LineSet = "PublicKey";
        private const string PathSet = "Path";

        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ObjectSet)]
        [ValidateNotNull]
        public PfaSshPublicKey InputObject { get; set; } = null!;

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = LineSet)]
        [ValidateNotNullOrEmpty]
        public string PublicKey { get; set; } = null!;

        [Parameter(Mandatory = true, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Description { get; set; }

        [Parameter]
        public DateTimeOffset? ExpiresOn { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecordCore()
        {
            Core.Ssh.SshPublicKey key = ReadKey();
            Core.AzureDevOps.SshKeyService.RequireRsa(key);
            DateTimeOffset now = DateTimeOffset.UtcNow;
            DateTimeOffset validTo = Core.AzureDevOps.SshKeyService.CheckExpiry(ExpiresOn, now, out bool tooLong);
            if (tooLong)
            {
                WriteWarning($"-ExpiresOn {validTo:yyyy-MM-dd} is more than one year away: Azure DevOps keeps SSH keys for at most one year and silently shortens the expiry to about {now.AddYears(1):yyyy-MM-dd}. Renew the key before then.");
            }

            string description = Core.AzureDevOps.SshKeyService.CheckDisplayName(Description ?? DefaultDescription());
            if (ExpiresOn is null)
            {
                WriteVerbose($"No -ExpiresOn: the key is asked to be valid for one year, to {validTo:yyyy-MM-dd}, the longest Azure DevOps allows.");
            }

            var contexts = OpenContexts();
            Core.Ssh.StoredSshKey? local = TryGetLocalKey();
            bool any = false;
            ForEachOrganization(contexts, context =>
            {
                string target = $"{context.Endpoints.Organization} ({context.Endpoints.OrganizationUrl})";
                if (!ShouldProcess(target, $"Add SSH key MD5:{key.Md5Fingerprint} '{description}', valid to {validTo:yyyy-MM-dd} ({(ExpiresOn is null ? "one year, the default" : "-ExpiresOn")})"))
                {
                    return;
                }

                var request = new Core.AzureDevOps.SshKeyAddRequest(key, description, validTo);
                Core.AzureDevOps.AzureDevOpsSshKey added = RunWithProgress("Adding your SSH key to Azure DevOps", $"Waiting for {context.Endpoints.Organization}", cancel => context.Service.AddAsync(
                    context.Endpoints, context.Credential, request, message => OnPipeline(() => WriteVerbose(message)), cancel));
                PfaAzDevOpsSshKey output = ToOutput(added, local, DateTimeOffset.UtcNow);
                Core.Storage.RecentValues.Remember(Core.Storage.RecentValues.SshKeys, new[] { Completion.Item(added.AuthorizationId.ToString(), $"{added.DisplayName} ({context.Endpoints.Organization})") });
                string until = added.ValidTo.HasValue ? " until " + UserMessages.Date(added.ValidTo.Value) : string.Empty;
                if (added.AlreadyPresent)
                {
                    UserMessages.Show(this, $"Your key MD5:{key.Md5Fingerprint} is already in {context.Endpoints.Organization} as '{added.DisplayName}', valid{until}; nothing was added.");
                }
                else
                {
                    UserMessages.Show(this, $"Added your key MD5:{key.Md5Fingerprint} to {context.Endpoints.Organization} as '{added.DisplayName}', valid{until}.");
                    WriteVerbose($"Key id {added.AuthorizationId}{(ExpiresOn is null ? "; one year, the default and the longest Azure DevOps allows" : string.Empty)}. Azure DevOps e-mails you about new keys. Before the key expires, run Update-PfaSshKey to replace it.");
                }

                any = true;
                if (PassThru)
                {
                    WriteObject(output);
                }
            });

            if (any)
            {
                UserMessages.Show(this, "Next: Test-PfaAzureDevOpsSshAccess <repository SSH URL> proves you can clone.");
            }
        }

        private Core.Ssh.SshPublicKey ReadKey()
        {
            switch (ParameterSetName)
            {
                case ObjectSet:
                    return Core.Ssh.SshPublicKey.Parse(InputObject.PublicKey);
                case LineSet:
                    if (LooksLikePath(PublicKey))
                    {
                        // The gh habit (gh ssh-key add file.pub): a file given where the key line goes.
                        string given = SshModel.ResolveFileSystemPath(this, PublicKey.Trim(), nameof(PublicKey));
                        WriteVerbose($"'{PublicKey}' is a file: reading the public key from {given}.");
                        return Core.Ssh.SshPublicKey.FromFile(given);
                    }

                    return Core.Ssh.SshPublicKey.Parse(PublicKey);
                case PathSet:
                    string file = SshModel.ResolveFileSystemPath(this, Path, nameof(Path));
                    WriteVerbose($"Reading the public key from {file}.");
                    return Core.Ssh.SshPublicKey.FromFile(file);
                default:
                    var store = new Core.Ssh.SshKeyStore();
                    return store.GetRequired().ParsePublicKey();
            }
        }

        /// <summary>A single word (no space: a key line always has one) naming an existing file, or ending in .pub.</summary>
        private bool LooksLikePath(string value)
        {
            string text = value.Trim();
            if (text.IndexOf(' ') >= 0 || text.IndexOf('\t') >= 0)
            {
                return false;
            }

            if (text.EndsWith(".pub", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            try
            {
                return System.IO.File.Exists(SessionState.Path.GetUnresolvedProviderPathFromPSPath(text));
            }
            catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is ProviderNotFoundException || ex is DriveNotFoundException || ex is PSInvalidOperationException)
            {
                return false;
            }
        }

        internal static string DefaultDescription()
        {
            string instance = "PFA";
            try
            {
                Core.SignIn.UserConnection.FindRegistration(out Core.Registration.AppRegistration registration);
                if (Uri.TryCreate(registration.InstanceUrl, UriKind.Absolute, out Uri? url))
                {
                    instance = "PFA " + url.Host;
                }
            }
            catch (Core.PfaException)
            {
                // No registration: the plain name will do.
            }

            return $"{instance} {Environment.UserName}@{Environment.MachineName}";
        }
    }
}

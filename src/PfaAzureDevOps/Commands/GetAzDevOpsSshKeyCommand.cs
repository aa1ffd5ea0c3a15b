using System;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Lists your SSH public keys in one or more Azure DevOps organizations: description, fingerprint, expiry, and which one is this machine's key.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "AzDevOpsSshKey", DefaultParameterSetName = AllSet)]
    [OutputType(typeof(PfaAzDevOpsSshKey))]
    public sealed class GetAzDevOpsSshKeyCommand : AzDevOpsSshKeyCmdlet
    {
        private const string AllSet = "All";
        private const string LocalSet = "LocalKey";
        private const string OrphanedSet = "Orphaned";

        [Parameter(Position = 0)]
        [ArgumentCompleter(typeof(SshKeyIdCompleter))]
        public Guid[]? Id { get; set; }

        [Parameter(ParameterSetName = LocalSet)]
        public SwitchParameter LocalKeyOnly { get; set; }

        [Parameter(ParameterSetName = OrphanedSet)]
        public SwitchParameter Orphaned { get; set; }

        protected override void ProcessRecordCore()
        {
            var contexts = OpenContexts();
            Core.Ssh.StoredSshKey? local = TryGetLocalKey();
            DateTimeOffset now = DateTimeOffset.UtcNow;
            ForEachOrganization(contexts, context =>
            {
                var keys = RunWithProgress("Listing your SSH keys in Azure DevOps", $"Asking {context.Endpoints.Organization}", cancel => context.Service.ListAsync(context.Endpoints, context.Credential, cancel));
                WriteVerbose($"{keys.Count} SSH key(s) in {context.Endpoints.Organization}.");
                foreach (Core.AzureDevOps.AzureDevOpsSshKey key in keys)
                {
                    if (Id != null && Id.Length > 0 && Array.IndexOf(Id, key.AuthorizationId) < 0)
                    {
                        continue;
                    }

                    PfaAzDevOpsSshKey output = ToOutput(key, local, now);
                    if (LocalKeyOnly && !output.IsLocalKey)
                    {
                        continue;
                    }

                    if (Orphaned && (output.IsLocalKey || !IsThisMachines(key)))
                    {
                        continue;
                    }

                    WriteObject(output);
                }

                Core.Storage.RecentValues.Remember(Core.Storage.RecentValues.SshKeys, System.Linq.Enumerable.Select(keys, k => Completion.Item(k.AuthorizationId.ToString(), $"{k.DisplayName} ({context.Endpoints.Organization}{(k.ValidTo.HasValue ? ", to " + UserMessages.Date(k.ValidTo.Value) : string.Empty)})")));
            });
        }

        /// <summary>
        /// A key this machine's user made: its description is the default one of Add-AzDevOpsSshKey (ends with user@machine),
        /// or its comment is the default of New-PfaSshKey (user@machine).
        /// </summary>
        private static bool IsThisMachines(Core.AzureDevOps.AzureDevOpsSshKey key)
        {
            string mark = Core.Ssh.SshKeyStore.DefaultComment;
            if (key.DisplayName.EndsWith(" " + mark, StringComparison.OrdinalIgnoreCase) || string.Equals(key.DisplayName, mark, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            Core.Ssh.SshPublicKey? parsed = key.TryParse();
            return parsed != null && string.Equals(parsed.Comment, mark, StringComparison.OrdinalIgnoreCase);
        }
    }
}

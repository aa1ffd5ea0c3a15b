using System;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Lists your SSH public keys in an Azure DevOps organization: description, fingerprint, expiry, and which one is this machine's key.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "AzDevOpsSshKey")]
    [OutputType(typeof(PfaAzDevOpsSshKey))]
    public sealed class GetAzDevOpsSshKeyCommand : AzDevOpsSshKeyCmdlet
    {
        [Parameter(Position = 0)]
        public Guid[]? Id { get; set; }

        [Parameter]
        public SwitchParameter LocalKeyOnly { get; set; }

        protected override void ProcessRecordCore()
        {
            KeyContext context = OpenContext();
            var keys = RunOffPipeline(cancel => context.Service.ListAsync(context.Endpoints, context.Credential, cancel));
            Core.Ssh.StoredSshKey? local = TryGetLocalKey();
            DateTimeOffset now = DateTimeOffset.UtcNow;
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

                WriteObject(output);
            }
        }
    }
}

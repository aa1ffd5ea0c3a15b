using System;
using System.Collections.Generic;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Removes one of your SSH public keys from one or more Azure DevOps organizations; git over SSH with that key stops working there.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "AzDevOpsSshKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class RemoveAzDevOpsSshKeyCommand : AzDevOpsSshKeyCmdlet
    {
        private List<KeyContext>? _contexts;
        private string? _contextsFor;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(SshKeyIdCompleter))]
        public Guid Id { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecordCore()
        {
            // Piped keys of several organizations each bind their own -Organization: one set of contexts per distinct value.
            string key = string.Join(",", Organization ?? Array.Empty<string>()) + "|" + string.Join(",", (object[]?)OrganizationUrl ?? Array.Empty<object>());
            if (_contexts is null || !string.Equals(_contextsFor, key, StringComparison.OrdinalIgnoreCase))
            {
                _contexts = OpenContexts();
                _contextsFor = key;
            }

            Guid id = Id;
            ForEachOrganization(_contexts, context =>
            {
                if (!ConfirmOrForce(Force, $"SSH key {id} in {context.Endpoints.Organization}", "Remove the SSH key from Azure DevOps"))
                {
                    return;
                }

                RunOffPipeline(async cancel =>
                {
                    await context.Service.RemoveAsync(context.Endpoints, context.Credential, id, cancel).ConfigureAwait(false);
                    return true;
                });
                WriteVerbose($"Removed SSH key {id} from {context.Endpoints.Organization}.");
                Core.Storage.RecentValues.Forget(Core.Storage.RecentValues.SshKeys, id.ToString());
            });
        }
    }
}

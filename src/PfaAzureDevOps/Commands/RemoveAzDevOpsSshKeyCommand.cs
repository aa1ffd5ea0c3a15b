using System;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Removes one of your SSH public keys from Azure DevOps; git over SSH with that key stops working.</para>
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "AzDevOpsSshKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class RemoveAzDevOpsSshKeyCommand : AzDevOpsSshKeyCmdlet
    {
        private KeyContext? _context;
        private string? _contextOrganization;

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        public Guid Id { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecordCore()
        {
            if (_context is null || !string.Equals(_contextOrganization, Organization, StringComparison.OrdinalIgnoreCase))
            {
                _context = OpenContext();
                _contextOrganization = Organization;
            }

            KeyContext context = _context;
            if (!ConfirmOrForce(Force, $"SSH key {Id} in {context.Endpoints.Organization}", "Remove the SSH key from Azure DevOps"))
            {
                return;
            }

            RunOffPipeline(async cancel =>
            {
                await context.Service.RemoveAsync(context.Endpoints, context.Credential, Id, cancel).ConfigureAwait(false);
                return true;
            });
            WriteVerbose($"Removed SSH key {Id} from {context.Endpoints.Organization}.");
        }
    }
}

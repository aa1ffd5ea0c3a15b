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
        private readonly Dictionary<string, IReadOnlyList<Core.AzureDevOps.AzureDevOpsSshKey>> _listed = new Dictionary<string, IReadOnlyList<Core.AzureDevOps.AzureDevOpsSshKey>>(StringComparer.OrdinalIgnoreCase);

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
                // The confirmation names the key as a person knows it (description, fingerprint, expiry), not only its id:
                // a confirmation or -WhatIf lists the organization's keys first (once per pipeline); -Force skips that call.
                string target = Force && !IsWhatIf
                    ? $"SSH key {id} in {context.Endpoints.Organization}"
                    : Describe(FindKey(context, id), context.Endpoints.Organization);
                if (!ConfirmOrForce(Force, target, "Remove the SSH key from Azure DevOps"))
                {
                    return;
                }

                RunWithProgress("Removing your SSH key from Azure DevOps", $"Waiting for {context.Endpoints.Organization}", cancel => RemoveAsync(context, id, cancel));
                WriteVerbose($"Removed SSH key {id} from {context.Endpoints.Organization}.");
                Core.Storage.RecentValues.Forget(Core.Storage.RecentValues.SshKeys, id.ToString());
            });
        }

        private static async System.Threading.Tasks.Task<bool> RemoveAsync(KeyContext context, Guid id, System.Threading.CancellationToken cancel)
        {
            await context.Service.RemoveAsync(context.Endpoints, context.Credential, id, cancel).ConfigureAwait(false);
            return true;
        }

        private static string Describe(Core.AzureDevOps.AzureDevOpsSshKey key, string organization)
        {
            string until = key.ValidTo.HasValue ? ", valid until " + UserMessages.Date(key.ValidTo.Value) : string.Empty;
            string fingerprint = key.Md5Fingerprint is null ? string.Empty : (key.Md5Fingerprint.StartsWith("MD5:", StringComparison.Ordinal) ? key.Md5Fingerprint : "MD5:" + key.Md5Fingerprint) + ", ";
            return $"SSH key '{key.DisplayName}' ({fingerprint}id {key.AuthorizationId}{until}) in {organization}";
        }

        /// <summary>The key with that id among the organization's keys (listed once per organization); a missing one fails before any question.</summary>
        private Core.AzureDevOps.AzureDevOpsSshKey FindKey(KeyContext context, Guid id)
        {
            string organizationUrl = context.Endpoints.OrganizationUrl.AbsoluteUri;
            if (!_listed.TryGetValue(organizationUrl, out IReadOnlyList<Core.AzureDevOps.AzureDevOpsSshKey>? keys))
            {
                keys = RunWithProgress("Listing your SSH keys in Azure DevOps", $"Asking {context.Endpoints.Organization}", cancel => context.Service.ListAsync(context.Endpoints, context.Credential, cancel));
                _listed[organizationUrl] = keys;
            }

            foreach (Core.AzureDevOps.AzureDevOpsSshKey key in keys)
            {
                if (key.AuthorizationId == id)
                {
                    return key;
                }
            }

            throw new Core.PfaException(Core.Errors.ErrorIds.AzDevOpsSshKeyNotFound, Core.PfaErrorKind.NotFound, $"You have no SSH key with id {id} in {context.Endpoints.Organization}, so nothing was removed. List them with Get-AzDevOpsSshKey.", id);
        }
    }
}

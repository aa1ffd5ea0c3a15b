using System;
using System.Collections.Generic;
using System.Management.Automation;
using PfaAzureDevOps.Internal;

namespace PfaAzureDevOps.Commands
{
    /// <summary>
    /// <para type="synopsis">Rotates your SSH key without downtime: a new key is added to every organization that has the current one, proven to clone, made this machine's key, and only then is the old key removed. Resumable; -ExpiringWithinDays makes it a daily no-op until the key nears its expiry.</para>
    /// </summary>
    [Cmdlet(VerbsData.Update, "PfaSshKey", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PfaSshKeyRotation))]
    public sealed class UpdatePfaSshKeyCommand : AzDevOpsSshHostCmdlet
    {
        private const string Activity = "Rotating your SSH key";

        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[]? RepositoryUrl { get; set; }

        [Parameter]
        [ValidateRange(0, 366)]
        public int? ExpiringWithinDays { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Description { get; set; }

        [Parameter]
        public DateTimeOffset? ExpiresOn { get; set; }

        [Parameter]
        [TimeoutTransformation]
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

        protected override void ProcessRecordCore()
        {
            DateTimeOffset now = DateTimeOffset.UtcNow;
            var repositories = new List<Core.Git.GitSshUrl>();
            foreach (string url in RepositoryUrl ?? Array.Empty<string>())
            {
                repositories.Add(Core.Git.GitRepositoryService.ParseUrl(url));
            }

            Core.SshTransport.HostKeyPolicy policy = this.CreateHostKeyPolicy();
            DateTimeOffset validTo = Core.AzureDevOps.SshKeyService.CheckExpiry(ExpiresOn, now, out bool tooLong);
            if (tooLong)
            {
                WriteWarning($"-ExpiresOn {validTo:yyyy-MM-dd} is more than one year away: Azure DevOps keeps SSH keys for at most one year and shortens it to about {now.AddYears(1):yyyy-MM-dd}.");
            }

            string description = Core.AzureDevOps.SshKeyService.CheckDisplayName(Description ?? AddAzDevOpsSshKeyCommand.DefaultDescription());

            var keys = new Core.Ssh.SshKeyStore();
            var rotation = new Core.AzureDevOps.SshKeyRotation(keys);
            var contexts = OpenContexts();
            KeyContext first = contexts[0];
            var targets = new List<Core.AzureDevOps.SshKeyEndpoints>();
            foreach (KeyContext context in contexts)
            {
                targets.Add(context.Endpoints);
            }

            Core.AzureDevOps.SshKeyRotationPlan plan = RunOffPipeline(cancel => rotation.PlanAsync(first.Service, first.Credential, targets, cancel));
            if (plan.IsResume)
            {
                WriteVerbose($"Resuming the rotation begun {plan.Pending!.StartedOn:yyyy-MM-dd HH:mm} UTC (recorded in {rotation.StatePath}); its organizations: {Join(plan.Targets)}.");
                if (Organization != null || OrganizationUrl != null)
                {
                    WriteWarning($"A rotation begun {plan.Pending.StartedOn:yyyy-MM-dd HH:mm} UTC is not finished; it is finished first, in its own organizations ({Join(plan.Targets)}). Run Update-PfaSshKey again afterwards for others.");
                }
            }
            else
            {
                foreach (string missing in plan.NotRegisteredIn)
                {
                    WriteWarning($"Your SSH key MD5:{plan.Current.Md5Fingerprint} is not registered in {missing}; that organization is left alone.");
                }

                int? daysLeft = plan.MinDaysLeft(now);
                if (ExpiringWithinDays is int within && (daysLeft is null || daysLeft.Value > within))
                {
                    string left = daysLeft is null ? "no expiry date" : $"{daysLeft} days left";
                    WriteVerbose($"Your SSH key MD5:{plan.Current.Md5Fingerprint} has {left} in {Join(plan.Targets)}, more than -ExpiringWithinDays {within}: nothing to do.");
                    WriteObject(new PfaSshKeyRotation
                    {
                        Status = "NotDue",
                        OldMd5Fingerprint = plan.Current.Md5Fingerprint,
                        Organizations = Names(plan.Targets),
                        ValidTo = EarliestOld(plan.Targets),
                        DaysLeft = daysLeft,
                    });
                    return;
                }
            }

            if (!plan.IsResume && plan.SmallerKeyWarning is string smaller)
            {
                WriteWarning(smaller);
            }

            IReadOnlyList<Core.AzureDevOps.SshKeyRotationStep> steps = plan.Steps(repositories);
            string target = $"SSH key MD5:{plan.Pending?.OldMd5Fingerprint ?? plan.Current.Md5Fingerprint} in {Join(plan.Targets)}";
            if (IsWhatIf)
            {
                for (int i = 0; i < steps.Count; i++)
                {
                    ShouldProcess(steps[i].Target, $"Step {i + 1} of {steps.Count}: {steps[i].Action}");
                }

                return;
            }

            if (repositories.Count == 0 && !plan.IsResume)
            {
                WriteWarning("No -RepositoryUrl: the new key replaces the old one without first proving that it can clone. Give a repository of each organization to have it proven.");
            }

            var summary = new List<string>();
            foreach (Core.AzureDevOps.SshKeyRotationStep each in steps)
            {
                summary.Add(each.ToString());
            }

            if (!ShouldProcess(target, $"Rotate your SSH key ({steps.Count} steps: {string.Join("; ", summary)})"))
            {
                return;
            }

            var options = new Core.AzureDevOps.SshKeyRotationOptions
            {
                Description = description,
                ValidTo = validTo,
                Repositories = repositories,
                HostKeyPolicy = policy,
                Timeout = Timeout,
            };
            int total = steps.Count;
            int done = 0;
            Core.AzureDevOps.SshKeyRotationState finished = RunOffPipeline(cancel => rotation.RunAsync(
                plan,
                first.Service,
                first.Credential,
                options,
                text => OnPipeline(() =>
                {
                    WriteVerbose(text + ".");
                    WriteProgress(new ProgressRecord(3, Activity, text) { PercentComplete = Math.Min(99, done++ * 100 / Math.Max(1, total)) });
                }),
                cancel));
            WriteProgress(new ProgressRecord(3, Activity, "Done") { RecordType = ProgressRecordType.Completed });

            DateTimeOffset? newValidTo = null;
            foreach (Core.AzureDevOps.SshKeyRotationTarget t in finished.Targets)
            {
                if (t.NewValidTo is DateTimeOffset to && (newValidTo is null || to < newValidTo))
                {
                    newValidTo = to;
                }
            }

            var result = new PfaSshKeyRotation
            {
                Status = "Rotated",
                OldMd5Fingerprint = finished.OldMd5Fingerprint,
                NewMd5Fingerprint = finished.NewKey.Md5Fingerprint,
                NewSha256Fingerprint = finished.NewKey.Sha256Fingerprint,
                Organizations = Names(finished.Targets),
                RepositoriesChecked = Strings(repositories),
                ValidTo = newValidTo,
                DaysLeft = newValidTo is DateTimeOffset v ? (int)Math.Floor((v - DateTimeOffset.UtcNow).TotalDays) : (int?)null,
                Resumed = plan.IsResume,
            };
            Say($"Your SSH key was rotated: MD5:{result.NewMd5Fingerprint} replaced MD5:{result.OldMd5Fingerprint} in {Join(finished.Targets)}{(newValidTo is null ? string.Empty : $", valid to {newValidTo:yyyy-MM-dd}")}. The old key is removed there and from this machine.");
            WriteObject(result);
        }

        private static string Join(IReadOnlyList<Core.AzureDevOps.SshKeyRotationTarget> targets) => string.Join(", ", Names(targets));

        private static string[] Names(IReadOnlyList<Core.AzureDevOps.SshKeyRotationTarget> targets)
        {
            var names = new string[targets.Count];
            for (int i = 0; i < names.Length; i++)
            {
                names[i] = targets[i].Organization;
            }

            return names;
        }

        private static string[] Strings(List<Core.Git.GitSshUrl> urls)
        {
            var text = new string[urls.Count];
            for (int i = 0; i < text.Length; i++)
            {
                text[i] = urls[i].ToString();
            }

            return text;
        }

        private static DateTimeOffset? EarliestOld(IReadOnlyList<Core.AzureDevOps.SshKeyRotationTarget> targets)
        {
            DateTimeOffset? earliest = null;
            foreach (Core.AzureDevOps.SshKeyRotationTarget t in targets)
            {
                if (t.OldValidTo is DateTimeOffset to && (earliest is null || to < earliest))
                {
                    earliest = to;
                }
            }

            return earliest;
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Git;
using PfaAzureDevOps.Core.Ssh;
using PfaAzureDevOps.Core.SshTransport;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.AzureDevOps
{
    /// <summary>
    /// Replaces the user's SSH key without a moment where neither key clones: the new key is registered everywhere the
    /// old one is, proven (where a repository is known), made the stored key, and only then is the old key removed.
    /// Every step is recorded in <see cref="SshKeyRotationState"/> before the next begins, so a failure or a kill leaves
    /// the old key working (until the promotion) or the new one (after it), and running it again resumes.
    /// </summary>
    public sealed class SshKeyRotation
    {
        private readonly SshKeyStore _keys;

        public SshKeyRotation(SshKeyStore keys)
        {
            _keys = keys;
        }

        public string StatePath => _keys.Store.GetPath(SshKeyRotationState.FileName);

        public SshKeyRotationState? GetPending() =>
            _keys.Store.Read<SshKeyRotationState>(SshKeyRotationState.FileName, SshKeyRotationState.DocumentKind, SshKeyRotationState.CurrentVersion);

        /// <summary>
        /// The plan: a pending rotation's remaining steps, or, for a new one, the organizations of <paramref name="targets"/>
        /// where the stored key is registered (listed through <paramref name="service"/>; nothing is changed).
        /// </summary>
        public async Task<SshKeyRotationPlan> PlanAsync(SshKeyService service, AuthenticationHeaderValue credential, IReadOnlyList<SshKeyEndpoints> targets, CancellationToken cancellationToken)
        {
            StoredSshKey current = _keys.GetRequired();
            SshKeyRotationState? pending = GetPending();
            if (pending != null)
            {
                if (current.Sha256Fingerprint != pending.OldSha256Fingerprint && current.Sha256Fingerprint != pending.NewKey.Sha256Fingerprint)
                {
                    string left = string.Join(", ", pending.Targets.Where(t => t.NewKeyId != null).Select(t => $"{t.Organization} (id {t.NewKeyId})"));
                    throw new PfaException(
                        ErrorIds.SshKeyRotationKeyChanged,
                        PfaErrorKind.InvalidOperation,
                        $"A key rotation begun {pending.StartedOn:yyyy-MM-dd HH:mm} UTC cannot go on: your SSH key changed since (it is now {current.Sha256Fingerprint}, neither the old key {pending.OldSha256Fingerprint} nor the new one). "
                        + (left.Length > 0 ? $"The abandoned new key MD5:{pending.NewKey.Md5Fingerprint} is registered in {left}: remove it there with Remove-AzDevOpsSshKey. " : string.Empty)
                        + $"Then delete '{StatePath}' and run Update-PfaSshKey again.",
                        StatePath);
                }

                return new SshKeyRotationPlan(current, pending, pending.Targets, new List<string>());
            }

            var found = new List<SshKeyRotationTarget>();
            var missing = new List<string>();
            SshPublicKey currentKey = current.ParsePublicKey();
            foreach (SshKeyEndpoints endpoints in targets)
            {
                IReadOnlyList<AzureDevOpsSshKey> keys = await service.ListAsync(endpoints, credential, cancellationToken).ConfigureAwait(false);
                AzureDevOpsSshKey? match = keys.Where(k => k.TryParse()?.SameKeyAs(currentKey) == true).OrderByDescending(k => k.ValidTo ?? DateTimeOffset.MaxValue).FirstOrDefault();
                if (match is null)
                {
                    missing.Add(endpoints.Organization);
                    continue;
                }

                found.Add(new SshKeyRotationTarget
                {
                    Organization = endpoints.Organization,
                    OrganizationUrl = endpoints.OrganizationUrl.AbsoluteUri,
                    VsspsUrl = endpoints.VsspsUrl.AbsoluteUri,
                    OldKeyId = match.AuthorizationId,
                    OldValidTo = match.ValidTo,
                });
            }

            if (found.Count == 0)
            {
                string where = string.Join(", ", targets.Select(t => t.Organization));
                throw new PfaException(
                    ErrorIds.SshKeyRotationNotRegistered,
                    PfaErrorKind.NotFound,
                    $"Your SSH key MD5:{current.Md5Fingerprint} is not registered in {where}, so there is nothing to rotate there. Name the organizations that hold it with -Organization (Get-AzDevOpsSshKey -Organization a,b -LocalKeyOnly shows where it is), or register it first with Add-AzDevOpsSshKey.",
                    where);
            }

            return new SshKeyRotationPlan(current, null, found, missing);
        }

        /// <summary>
        /// Runs (or resumes) the rotation of <paramref name="plan"/>. <paramref name="step"/> is told each step as it
        /// begins (for progress). Returns the finished state.
        /// </summary>
        public async Task<SshKeyRotationState> RunAsync(
            SshKeyRotationPlan plan,
            SshKeyService service,
            AuthenticationHeaderValue credential,
            SshKeyRotationOptions options,
            Action<string>? step,
            CancellationToken cancellationToken)
        {
            SshKeyRotationState state = plan.Pending ?? await BeginAsync(plan, options, step, cancellationToken).ConfigureAwait(false);

            // 2. The new key in every organization that has the old one (idempotent: "already there" is fine).
            var pair = new SshPublicKeyOnly(state.NewKey);
            foreach (SshKeyRotationTarget target in state.Targets.Where(t => t.NewKeyId is null))
            {
                cancellationToken.ThrowIfCancellationRequested();
                step?.Invoke($"Adding the new key MD5:{state.NewKey.Md5Fingerprint} to {target.Organization}");
                var request = new SshKeyAddRequest(pair.Key, state.Description, state.NewValidTo);
                AzureDevOpsSshKey added = await service.AddAsync(target.ToEndpoints(), credential, request, null, cancellationToken).ConfigureAwait(false);
                target.NewKeyId = added.AuthorizationId;
                target.NewValidTo = added.ValidTo;
                Save(state);
            }

            // 3-4. Proof, then promotion (unless a previous run got that far).
            if (_keys.GetRequired().Sha256Fingerprint != state.NewKey.Sha256Fingerprint)
            {
                if (options.Repositories.Count > 0)
                {
                    string text;
                    using (SshKeyPair next = _keys.LoadPrivateKey(state.NewKey))
                    {
                        text = next.ToOpenSshPrivateKey();
                    }

                    foreach (GitSshUrl url in options.Repositories)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        step?.Invoke($"Proving that the new key can clone {url}");
                        GitAccessResult result = await GitSshAccessChecker.CheckAsync(url, text, options.HostKeyPolicy ?? HostKeyPolicy.Create(null, null), options.Timeout, cancellationToken).ConfigureAwait(false);
                        if (!result.Success)
                        {
                            throw new PfaException(
                                ErrorIds.SshKeyRotationAccessCheckFailed,
                                PfaErrorKind.InvalidOperation,
                                $"The new key MD5:{state.NewKey.Md5Fingerprint} cannot clone {url} ({result.ErrorId}: {result.Message}) Your old key is still this machine's key and still registered, so nothing stopped working. Fix the cause, then run Update-PfaSshKey again to resume.",
                                url.ToString(),
                                result.Error);
                        }
                    }
                }

                cancellationToken.ThrowIfCancellationRequested();
                step?.Invoke($"Making the new key MD5:{state.NewKey.Md5Fingerprint} this machine's SSH key");
                if (!_keys.Promote(state.NewKey, state.OldSha256Fingerprint))
                {
                    throw new PfaException(ErrorIds.SshKeyRotationKeyChanged, PfaErrorKind.InvalidOperation, $"Your SSH key changed while it was being rotated. Delete '{StatePath}' and run Update-PfaSshKey again.", StatePath);
                }
            }

            // 5. The old key out of every organization.
            foreach (SshKeyRotationTarget target in state.Targets.Where(t => !t.OldRemoved))
            {
                cancellationToken.ThrowIfCancellationRequested();
                step?.Invoke($"Removing the old key MD5:{state.OldMd5Fingerprint} from {target.Organization}");
                try
                {
                    await service.RemoveAsync(target.ToEndpoints(), credential, target.OldKeyId, cancellationToken).ConfigureAwait(false);
                }
                catch (PfaException ex) when (ex.ErrorId == ErrorIds.AzDevOpsSshKeyNotFound)
                {
                    // Already gone (removed by hand, or by a run killed after the call): done.
                }

                target.OldRemoved = true;
                Save(state);
            }

            // 6. The old private key, then the record.
            step?.Invoke("Deleting the old private key");
            _keys.Vault.Delete(state.OldSecretName);
            _keys.Store.Delete(SshKeyRotationState.FileName);
            return state;
        }

        private async Task<SshKeyRotationState> BeginAsync(SshKeyRotationPlan plan, SshKeyRotationOptions options, Action<string>? step, CancellationToken cancellationToken)
        {
            StoredSshKey current = plan.Current;
            int bits = plan.NewKeyBits;
            step?.Invoke($"Generating a new {SshKeyRotationPlan.TypeName(current.Type)} {bits}-bit key");
            DateTimeOffset now = DateTimeOffset.UtcNow;
            StoredSshKey next;
            using (SshKeyPair pair = await Task.Run(() => SshKeyGenerator.Generate(current.Type, bits, options.Comment ?? current.Comment, cancellationToken), cancellationToken).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                next = _keys.SavePending(pair, now);
            }

            var state = new SshKeyRotationState
            {
                StartedOn = now,
                OldSha256Fingerprint = current.Sha256Fingerprint,
                OldMd5Fingerprint = current.Md5Fingerprint,
                OldSecretName = current.SecretName,
                NewKey = next,
                Description = options.Description,
                NewValidTo = options.ValidTo,
                Targets = plan.Targets.ToList(),
            };
            Save(state);
            return state;
        }

        private void Save(SshKeyRotationState state) => _keys.Store.Write(SshKeyRotationState.FileName, state, ownerOnly: false);

        /// <summary>The public half of a stored key, for the add request.</summary>
        private sealed class SshPublicKeyOnly
        {
            public SshPublicKeyOnly(StoredSshKey key)
            {
                Key = key.ParsePublicKey();
            }

            public SshPublicKey Key { get; }
        }
    }
}

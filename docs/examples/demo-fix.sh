#!/usr/bin/env bash
# aml-preflight 0.1.0: fixes for workspace ml-research in ml-platform-rg, from a live audit started 2026-11-25T09:00:00.000Z.
# Each fix was applied to a copy of the audited state and the checks were run again; read it before you run it.
set -euo pipefail

# 1. NSG rule DenyInternetOut (priority 105) on training-nsg blocks outbound traffic the computes need
#    fixes required-outbound, service-tags-outbound: AzureActiveDirectory TCP 443, AzureMachineLearning TCP 443, AzureMachineLearning TCP 18881, AzureMachineLearning UDP 5831, BatchNodeManagement.westeurope TCP 443, AzureResourceManager TCP 443 and 7 more
#    moves DenyInternetOut below the allow rules behind it: one change, where allow rules in front of it would take 12
az network nsg rule update -g ml-platform-rg --subscription 6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7 --nsg-name training-nsg -n DenyInternetOut --priority 150

# 2. Container registry mlresearchacr and storage account mlresearchstore restrict network access, but the workspace has no imageBuildCompute: the serverless image build cannot reach them and environment builds fail.
#    fixes acr-vnet-image-build: 
#    cpu-build is a healthy CPU cluster in the workspace's VNet that reaches the registry and storage
az ml workspace update -n ml-research -g ml-platform-rg --subscription 6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7 --image-build-compute cpu-build

# 3. The workspace's cached storage account key matches none of the current ones (newest key created 2026-11-02T09:30:00.000Z): jobs and image builds fail with 401/403 until the keys are synced.
#    fixes key-sync: mlresearchstore
#    the workspace re-reads the current keys
az ml workspace sync-keys -n ml-research -g ml-platform-rg --subscription 6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7

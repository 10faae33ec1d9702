# A SageMaker notebook and endpoint, and a Bedrock agent with its guardrail, for a
# document-summarisation team.

variable "environment" {
  type    = string
  default = "dev"
}

variable "notebook_internet" {
  type    = string
  default = "Enabled"
}

locals {
  name = "summarise-${var.environment}"
}

resource "aws_kms_key" "data" {
  description         = "ML data"
  enable_key_rotation = true
}

resource "aws_s3_bucket" "capture" {
  bucket = "${local.name}-capture"
}

resource "aws_iam_role" "sagemaker" {
  name = "${local.name}-sagemaker"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "sagemaker.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "sagemaker" {
  name = "inference"
  role = aws_iam_role.sagemaker.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["sagemaker:*"]
        Resource = "*"
      },
    ]
  })
}

resource "aws_sagemaker_notebook_instance" "research" {
  name                   = "${local.name}-research"
  role_arn               = aws_iam_role.sagemaker.arn
  instance_type          = "ml.t3.medium"
  kms_key_id             = aws_kms_key.data.arn
  direct_internet_access = var.notebook_internet
  root_access            = "Disabled"

  instance_metadata_service_configuration {
    minimum_instance_metadata_service_version = "1"
  }
}

resource "aws_sagemaker_model" "summariser" {
  name               = "${local.name}-model"
  execution_role_arn = aws_iam_role.sagemaker.arn

  primary_container {
    image = "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:2.1-transformers4.37-gpu-py310-cu118-ubuntu20.04"
  }
}

resource "aws_sagemaker_endpoint_configuration" "summariser" {
  name = "${local.name}-config"

  production_variants {
    variant_name           = "AllTraffic"
    model_name             = aws_sagemaker_model.summariser.name
    instance_type          = "ml.g5.xlarge"
    initial_instance_count = 1
  }
}

resource "aws_bedrock_guardrail" "chat" {
  name                      = "${local.name}-guardrail"
  blocked_input_messaging   = "Sorry, I can't help with that."
  blocked_outputs_messaging = "Sorry, I can't help with that."

  content_policy_config {
    filters_config {
      type            = "PROMPT_ATTACK"
      input_strength  = "LOW"
      output_strength = "NONE"
    }
    filters_config {
      type            = "HATE"
      input_strength  = "HIGH"
      output_strength = "HIGH"
    }
  }
}

resource "aws_bedrockagent_agent" "summariser" {
  agent_name              = "${local.name}-agent"
  agent_resource_role_arn = aws_iam_role.sagemaker.arn
  foundation_model        = "anthropic.claude-3-5-sonnet-20240620-v1:0"
  instruction             = "Summarise the uploaded contract and list its obligations for each party."
}

/**
 * Named metric definitions, shown in the UI and in reports beside every score, because the reference
 * codes disagree on absent classes and empty masks (docs/design.md §5.8). Provenance records the name.
 */
export interface MetricDefinition {
  /** Where the value appears in `eval --json` / the metrics API. */
  readonly field: string;
  readonly description: string;
  /** The reference implementation this follows, as repository + file + function. */
  readonly reference: string;
}

export const METRIC_DEFINITIONS = {
  'mmseg-miou': {
    field: 'semantic.miou',
    description: 'Mean IoU over classes with a non-empty union (TP+FP+FN > 0); a class predicted but absent from GT counts with IoU 0.',
    reference: 'open-mmlab/mmsegmentation mmseg/evaluation/metrics/iou_metric.py IoUMetric.total_area_to_metrics + np.nanmean',
  },
  'toco-miou': {
    field: 'semantic.miou_gt_classes',
    description: 'Mean IoU over classes present in the ground truth of the evaluated images.',
    reference: 'rulixiang/ToCo utils/evaluate.py scores() (valid = hist.sum(axis=1) > 0)',
  },
  'pixel-acc': {
    field: 'semantic.pixel_acc',
    description: 'Correct pixels over all non-ignored ground-truth pixels.',
    reference: 'mmseg total_area_to_metrics aAcc; ToCo utils/evaluate.py scores() pAcc',
  },
  'mean-acc': {
    field: 'semantic.mean_acc',
    description: 'Mean over classes present in the ground truth of TP / GT pixels (per-class recall).',
    reference: 'mmseg total_area_to_metrics Acc + np.nanmean; ToCo utils/evaluate.py scores() mAcc',
  },
  fwiou: {
    field: 'semantic.fwiou',
    description: 'IoU per class weighted by its share of the non-ignored ground-truth pixels, summed.',
    reference: 'Long et al. FCN (CVPR 2015) frequency weighted IU; kazuto1011/deeplab-pytorch libs/utils/metric.py scores() fwavacc',
  },
  'lisa-giou': {
    field: 'referring.giou',
    description: 'Mean per-pair foreground IoU, GT 255 dropped; an empty prediction on an empty target scores 1.0.',
    reference: 'dvlab-research/LISA train_ds.py validate() acc_iou (with utils/utils.py intersectionAndUnionGPU)',
  },
  'lisa-ciou': {
    field: 'referring.ciou',
    description: 'Summed foreground intersection over summed union across all pairs; undefined (null) when every union is 0.',
    reference: 'dvlab-research/LISA train_ds.py validate() intersection_meter.sum / union_meter.sum',
  },
  'lisa-precision': {
    field: 'referring.precision',
    description: 'Share of pairs whose IoU (as in lisa-giou) is at least 0.5, 0.6, 0.7, 0.8, 0.9.',
    reference:
      "RefCOCO Prec@X as yz93/LAVT-RIS test.py evaluate() seg_correct (this_iou >= eval_seg_iou), on LISA's per-pair IoU (LAVT scores U = 0 as 0)",
  },
  'toco-cam-sweep': {
    field: 'cam.miou',
    description:
      'toco-miou of CAM pseudo labels (background where the max score <= threshold, else argmax class) at thresholds 0.00..0.95 step 0.05; best threshold reported.',
    reference: 'rulixiang/ToCo utils/camutils.py cam_to_label + utils/evaluate.py scores()',
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricDefinitionName = keyof typeof METRIC_DEFINITIONS;
